import gatehouse as vkt
import requests


class Parametrization(vkt.Parametrization):
    text = vkt.Text("# APS OAuth2 Integration")


class Controller(vkt.Controller):
    parametrization = Parametrization

    @vkt.TableView("Get ACC Hubs")
    def get_hubs(self, params, **kwargs):
        integration = vkt.external.OAuth2Integration("autodesk-aps")
        token = integration.get_access_token()

        headers = {"Authorization": f"Bearer {token}"}
        endpoint = "https://developer.api.autodesk.com/project/v1/hubs"
        response = requests.get(endpoint, headers=headers, timeout=15)
        response.raise_for_status()

        hubs_data = response.json().get("data", [])

        data = []
        for hub in hubs_data:
            hub_name = hub.get("attributes", {}).get("name", "")
            hub_id = hub.get("id", "")
            data.append([hub_name, hub_id])

        return vkt.TableResult(data, column_headers=["Hub name", "ID"])
