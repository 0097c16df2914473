"""Serve chosen files of npm packages (node_modules) as static files, not their whole folders.

echarts' dist/ holds 49 MB of builds and source maps; the pages need one file of it, and collectstatic
would otherwise copy and compress all of them on every start.
"""

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# static path → file under node_modules
VENDOR_FILES = {
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}


class VendorFilesFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.root = settings.BASE_DIR / "node_modules"

    def find(self, path, find_all=False, **kwargs):
        if path not in VENDOR_FILES or not (self.root / VENDOR_FILES[path]).exists():
            return [] if find_all else None
        found = str(self.root / VENDOR_FILES[path])
        return [found] if find_all else found

    def list(self, ignore_patterns):
        for path, source in VENDOR_FILES.items():
            folder, name = (self.root / source).parent, (self.root / source).name
            if (folder / name).exists():
                storage = FileSystemStorage(location=folder)
                storage.prefix = path.rsplit("/", 1)[0]
                yield name, storage
