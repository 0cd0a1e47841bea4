// A view that calls no provider: what the app runtime itself costs per invocation (bench/view-e2e.ts).
import { DataGroup, DataItem, DataResult, dataView, defineApp } from "gatehouse/sdk";

export default defineApp({
  parametrization: {},
  views: {
    ping: dataView("Ping", {}, () => new DataResult(new DataGroup(new DataItem("pong", 1)))),
  },
});
