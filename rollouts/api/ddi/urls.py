from django.urls import path

from . import confirmation, views

# Path parameters carry hawkBit's names, which the OpenAPI schema shows.
base = "<str:tenant>/controller/v1/<str:controllerId>"
module = f"{base}/softwaremodules/<str:softwareModuleId>/artifacts"

urlpatterns = [
    path(base, views.ControllerBaseView.as_view(), name="ddi-controller-base"),
    path(f"{base}/deploymentBase/<str:actionId>", views.DeploymentBaseView.as_view(), name="ddi-deployment-base"),
    path(f"{base}/deploymentBase/<str:actionId>/feedback", views.DeploymentFeedbackView.as_view(),
         name="ddi-deployment-feedback"),
    path(f"{base}/confirmationBase", confirmation.ConfirmationBaseView.as_view(), name="ddi-confirmation-base"),
    # Before confirmationBase/<actionId>, which would take their names for action ids.
    path(f"{base}/confirmationBase/activateAutoConfirm", confirmation.ActivateAutoConfirmView.as_view(),
         name="ddi-activate-auto-confirm"),
    path(f"{base}/confirmationBase/deactivateAutoConfirm", confirmation.DeactivateAutoConfirmView.as_view(),
         name="ddi-deactivate-auto-confirm"),
    path(f"{base}/confirmationBase/<str:actionId>", confirmation.ConfirmationActionView.as_view(),
         name="ddi-confirmation-action"),
    path(f"{base}/confirmationBase/<str:actionId>/feedback", confirmation.ConfirmationFeedbackView.as_view(),
         name="ddi-confirmation-feedback"),
    path(f"{base}/configData", views.ConfigDataView.as_view(), name="ddi-config-data"),
    path(f"{base}/cancelAction/<str:actionId>", views.CancelActionView.as_view(), name="ddi-cancel-action"),
    path(f"{base}/cancelAction/<str:actionId>/feedback", views.CancelFeedbackView.as_view(),
         name="ddi-cancel-feedback"),
    path(f"{base}/installedBase/<str:actionId>", views.InstalledBaseView.as_view(), name="ddi-installed-base"),
    path(module, views.SoftwareModuleArtifactsView.as_view(), name="ddi-module-artifacts"),
    path(f"{module}/<str:fileName>", views.ArtifactView.as_view(), name="ddi-artifact"),
]
