"""URLs of the shelter app (pages arrive with their issue)."""

app_name = "shelter"
urlpatterns: list = []
