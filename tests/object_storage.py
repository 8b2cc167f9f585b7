"""Media storage that behaves as object storage does (S3 and the like, through
django-storages): files by name only, with no path on this machine, so whatever needs a file
on disk must fetch a copy. It keeps its objects in a folder (``location``) through Django's
file system storage, so the tests can look at what was kept."""

from django.core.files.storage import FileSystemStorage, Storage


class ObjectLikeStorage(Storage):
    def __init__(self, location: str):
        self._files = FileSystemStorage(location=location)

    def _open(self, name, mode="rb"):
        return self._files._open(name, mode)

    def _save(self, name, content):
        return self._files._save(name, content)

    def delete(self, name):
        self._files.delete(name)

    def exists(self, name):
        return self._files.exists(name)

    def size(self, name):
        return self._files.size(name)

    def listdir(self, path):
        return self._files.listdir(path)

    def url(self, name):
        return f"https://objects.invalid/{name}"

    # path() stays Storage's own: NotImplementedError, as for every remote storage.
