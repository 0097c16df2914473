"""H5 QA review pages: thin views over qa.services / qa.selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.core.errors import DomainError
from anxin.qa import selectors, services
from anxin.qa.forms import SampleForm, ScoreForm


@login_required
@permission_required("qa.review_qa", raise_exception=True)
def samples(request):
    form = SampleForm(request.POST or None, agents=selectors.agents_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = services.sample_draw(inspector=request.user, agent=data["agent"], source=data["source"],
                                          since=data["since"], until=data["until"], size=data["size"],
                                          seed=data["seed"])
            if sample.size > sample.population:
                messages.warning(request, _("The sample asked for %(size)d but there are only %(n)d: all of them are "
                                            "in it.") % {"size": sample.size, "n": sample.population})
            return redirect("qa:sample", pk=sample.pk)
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, str(exc))
    return render(request, "qa/samples.html", {"form": form, "samples": selectors.samples_for(user=request.user)[:100]},
                  status=400 if request.method == "POST" else 200)


@login_required
@permission_required("qa.review_qa", raise_exception=True)
def sample(request, pk):
    found = selectors.sample_get_for(user=request.user, pk=pk)
    return render(request, "qa/sample.html", {"sample": found, "reviews": found.reviews.select_related(
        "contact", "work_order")})


@login_required
def review(request, pk):
    found = selectors.review_get_for(user=request.user, pk=pk)
    items = list(found.sample.checklist.items.all())
    inspector = request.user.pk != found.agent_id
    form = ScoreForm(request.POST or None, items=items, initial={
        "failed": [str(i) for i in found.failed_items], "comment": found.comment, "version": found.version})
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "appeal":
                services.review_appeal(review=found, actor=request.user, text=request.POST.get("appeal_text", ""),
                                       version=int(request.POST.get("version") or 0))
                messages.success(request, _("Your appeal is with the inspector."))
                return redirect("qa:review", pk=found.pk)
            if form.is_valid():
                if step == "decide":
                    services.appeal_decide(review=found, actor=request.user, failed=form.failed_ids(),
                                           note=request.POST.get("appeal_note", ""),
                                           version=form.cleaned_data["version"])
                else:
                    services.review_score(review=found, actor=request.user, failed=form.failed_ids(),
                                          comment=form.cleaned_data["comment"], version=form.cleaned_data["version"])
                messages.success(request, _("Saved."))
                nxt = selectors.next_to_score(review=found)
                return redirect("qa:review", pk=nxt.pk) if nxt and step != "decide" else redirect(
                    "qa:sample", pk=found.sample_id)
        except DomainError as exc:
            messages.error(request, str(exc))
        except ValueError:
            messages.error(request, _("Reload the page and try again."))
    return render(request, "qa/review.html", {
        "review": found, "items": items, "failed": set(found.failed_items), "form": form, "inspector": inspector},
        status=400 if request.method == "POST" else 200)


@login_required
def mine(request):
    return render(request, "qa/mine.html", {"reviews": selectors.my_reviews(user=request.user)[:200]})
