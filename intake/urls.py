"""URLs of the intake app (pages arrive with their issue)."""

app_name = "intake"
urlpatterns: list = []
