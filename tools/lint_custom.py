"""Project rules ruff cannot express (STYLE.md §9). Exit 1 with file:line for each breach.

Rules (bad → good):
- W1 domain writes outside services: `Order.objects.create(...)` in a view → call `services.workorder_create`.
  Writers are */services.py, */*_services.py, */services/*.py, */events.py, workorders/attachments.py, tests and
  migrations.
- W2 `Model.objects` in views.py / api.py → a selector (`selectors.workorder_get_for(user=…)`).
- W3 `@receiver` outside anxin/core → an explicit service call (no hidden side effects).
- W4 `datetime.now()` / `date.today()` → `django.utils.timezone.now()` / `timezone.localdate()`.
A line may opt out with `# lint: allow-write (reason)`; the reason is required.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "anxin"
WRITERS = ("services.py", "events.py", "attachments.py")
WRITE = re.compile(r"\.objects\.(create|bulk_create|get_or_create|update_or_create)\(|\.save\(|\.delete\(\)|"
                   r"\.objects\.[a-z_().=\"', ]*\.(update|delete)\(")
OBJECTS = re.compile(r"\b[A-Z]\w*\.objects\b")
ALLOW = re.compile(r"#\s*lint: allow-write \(.+\)")


def breaches(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        parts = set(path.parts)
        if "migrations" in parts or "tests" in parts or "testing" in parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            allowed = ALLOW.search(line)  # silences W1 only: a read in a view still needs a selector
            if (WRITE.search(code) and not allowed and path.name not in WRITERS
                    and not path.name.endswith("_services.py") and path.parent.name != "services"):
                found.append(f"{rel}:{number}: W1 write outside a service: {line.strip()}")
            if path.name in ("views.py", "api.py") and OBJECTS.search(code):
                found.append(f"{rel}:{number}: W2 Model.objects in a view/API (use a selector): {line.strip()}")
            if "@receiver" in code and "core" not in path.parts:
                found.append(f"{rel}:{number}: W3 @receiver outside core: {line.strip()}")
            if re.search(r"\bdatetime\.now\(|\bdate\.today\(", code):
                found.append(f"{rel}:{number}: W4 naive clock: {line.strip()}")
    return found


if __name__ == "__main__":
    problems = breaches()
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)
