"""Telling residents that their opinion is answered (issue 13, "answers that reach people").

When an official publishes an answer (consultation/moderation.py), ``queue.queue_answer_notices``
records one ``Notice`` per way the resident can be reached (an e-mail address, a mobile number)
in the same transaction, and on commit hands each to the job queue; the worker's
``delivery.deliver`` sends it and records the outcome, so a slow mail server or SMS gateway
never keeps the official waiting and a failure is recorded, never raised. Messages say the
receipt code, the result and the receipt page's address, and nothing personal
(``texts.py``). E-mail goes through Django's mail framework (``EMAIL_*`` settings), text
messages through the gateway ``SMS_BACKEND`` names (``sms.py``).
"""
