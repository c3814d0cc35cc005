from django.urls import path

from . import downloads, views

# Path parameters carry Kaa's names, which the OpenAPI schema shows.
software = "api/v1/applications/<str:appName>/software"
file = f"{software}/<str:softwareVersion>/files/<str:fileName>"

urlpatterns = [
    path(software, views.SoftwareListView.as_view(), name="kaa-software-list"),
    path(f"{software}/<str:softwareVersion>", views.SoftwareView.as_view(), name="kaa-software"),
    path(f"{software}/<str:softwareVersion>/files", views.SoftwareFilesView.as_view(), name="kaa-software-files"),
    path(file, views.SoftwareFileView.as_view(), name="kaa-software-file"),
    path(f"{file}/links", downloads.SoftwareFileLinkView.as_view(), name="kaa-software-file-link"),
    path("api/v1/endpoints/<str:endpointId>/software/current", views.EndpointSoftwareView.as_view(),
         name="kaa-endpoint-software"),
    path("files/<str:token>", downloads.FileDownloadView.as_view(), name="kaa-file-download"),
]
