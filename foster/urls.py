"""URLs of the foster app (pages arrive with their issue)."""

app_name = "foster"
urlpatterns: list = []
