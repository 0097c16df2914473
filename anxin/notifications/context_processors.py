from anxin.notifications import selectors


def unread(request):
    """The unread count in the header: one COUNT query per page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user=request.user)}
