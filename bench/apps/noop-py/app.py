# A view that calls no provider: what the app runtime itself costs per invocation of a Python app.
import gatehouse as vkt


class Controller(vkt.Controller):
    @vkt.DataView("Ping")
    def ping(self, params, **kwargs):
        return vkt.DataResult(vkt.DataGroup(vkt.DataItem("pong", 1)))
