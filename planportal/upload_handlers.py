"""Django's upload handlers, with one change: a file being spooled to disk when the disk fills
up is removed at once.

Django writes a request's larger files to a temporary file as they arrive. When a write fails
(no space left), the error travels up with the half-written file still open; it would only be
deleted when Python's cycle collector reaches the traceback that holds it, and until then it
keeps the disk full for every other request (drills/disk_full.py saw a 32 MB volume stay
full). Closing it on the failed write deletes it (NamedTemporaryFile) before the error goes on
to the 507 answer (planportal/api_errors.py).
"""

from django.core.files.uploadhandler import TemporaryFileUploadHandler


class RemovedOnFailureTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def receive_data_chunk(self, raw_data, start):
        try:
            self.file.write(raw_data)
        except OSError:
            self.file.close()
            raise
