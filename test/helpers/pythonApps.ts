/**
 * Python apps for the `apps-python-*` suites (written with appFiles.ts's writeApp): the app code they share —
 * a prelude with `items(...)` (a data result from keyword values) and BASIC, an app whose views greet, get
 * a token, hang and raise VIKTOR's UserError.
 */
export const PRELUDE = `import os, sys, threading
import gatehouse as vkt

def items(**values):
    return vkt.DataResult(vkt.DataGroup(*[vkt.DataItem(k, v) for k, v in values.items()]))
`;

export const BASIC = `${PRELUDE}
class Parametrization(vkt.Parametrization):
    name = vkt.TextField("Name", default="world")
    integration = vkt.TextField("Integration", default="bentley-itwin")

class Controller(vkt.Controller):
    parametrization = Parametrization

    @vkt.DataView("Hello", duration_guess=1)
    def hello(self, params, **kwargs):
        print(f"hello ran for {params.name}")
        return items(greeting=f"Hello, {params['name']}!", python=sys.version.split()[0], executable=sys.executable)

    @vkt.DataView("Token")
    def token(self, params, **kwargs):
        try:
            got = vkt.external.OAuth2Integration(params.integration).get_access_token()
            return items(token=got[:12], error=None)
        except vkt.GatehouseError as err:
            return items(token=None, error=err.code)

    @vkt.DataView("Hangs")
    def hangs(self, params, **kwargs):
        threading.Event().wait()

    @vkt.DataView("Refuses")
    def refuses(self, params, **kwargs):
        raise vkt.UserError("Pick a width below 10 m")
`;
