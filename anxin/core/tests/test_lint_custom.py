import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[3] / "tools" / "lint_custom.py"


def _lint():
    spec = importlib.util.spec_from_file_location("lint_custom", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_rule_fires_on_a_bad_line_and_not_on_a_good_one(tmp_path):
    app = tmp_path / "anxin" / "things"
    app.mkdir(parents=True)
    (app / "views.py").write_text(
        "order = WorkOrder.objects.create(title='x')\n"          # W1 + W2
        "rows = WorkOrder.objects.filter(pk=1)\n"                # W2
        "@receiver(post_save)\n"                                  # W3
        "now = datetime.now()\n"                                  # W4
        "book.save(out)  # lint: allow-write (openpyxl)\n"        # allowed with a reason
        "x = Order.objects.get(pk=1)  # lint: allow-write (nope)\n")  # W2: the marker does not cover reads
    (app / "services.py").write_text("order.save(update_fields=['status'])\n")
    found = _lint().breaches(tmp_path / "anxin")
    codes = sorted(line.split(": ")[1].split()[0] for line in found)
    assert codes == ["W1", "W2", "W2", "W2", "W3", "W4"]


def test_the_project_itself_is_clean():
    assert _lint().breaches() == []
