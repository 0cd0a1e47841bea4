import requests
import gatehouse as vkt


class Parametrization(vkt.Parametrization):
    intro = vkt.Text("# Bentley iTwin OAuth2 Integration")
    explanation = vkt.Text(
        "This view fetches all accessible iTwins and their iModels in one result tree."
    )


class Controller(vkt.Controller):
    parametrization = Parametrization

    @vkt.DataView("Bentley data", duration_guess=2)
    def get_bentley_data(self, params, **kwargs):
        token = vkt.external.OAuth2Integration(
            "bentley-itwin"
        ).get_access_token()

        itwin_headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.bentley.itwin-platform.v1+json",
            "Prefer": "return=minimal",
        }
        imodel_headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.bentley.itwin-platform.v2+json",
            "Prefer": "return=representation",
        }

        response = requests.get(
            "https://api.bentley.com/itwins/?subClass=Project&$top=50",
            headers=itwin_headers,
            timeout=15,
        )
        response.raise_for_status()
        itwins = response.json().get("iTwins", [])

        if not itwins:
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("Result", "No iTwins found")))

        data_items = []
        for itwin in itwins:
            itwin_id = itwin.get("id", "")

            imodel_response = requests.get(
                f"https://api.bentley.com/imodels/?iTwinId={itwin_id}&$top=100",
                headers=imodel_headers,
                timeout=15,
            )
            imodel_response.raise_for_status()
            imodels = imodel_response.json().get("iModels", [])

            imodel_items = [
                vkt.DataItem(
                    imodel.get("displayName", imodel.get("name", "Unnamed iModel")),
                    imodel.get("id", ""),
                    explanation_label=(
                        f"State: {imodel.get('state', '')} | "
                        f"Created: {imodel.get('createdDateTime', '')}"
                    ),
                )
                for imodel in imodels
            ]
            if not imodel_items:
                imodel_items = [vkt.DataItem("iModels", "No iModels found")]

            data_items.append(
                vkt.DataItem(
                    itwin.get("displayName", "Unnamed iTwin"),
                    itwin_id,
                    subgroup=vkt.DataGroup(
                        vkt.DataItem("Status", itwin.get("status", "")),
                        vkt.DataItem("Number", itwin.get("number", "")),
                        vkt.DataItem(
                            "iModels",
                            len(imodels),
                            subgroup=vkt.DataGroup(*imodel_items),
                        ),
                    ),
                )
            )

        return vkt.DataResult(vkt.DataGroup(*data_items))
