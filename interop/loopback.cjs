// Preloaded with `node --require interop/loopback.cjs …` for servers that call `listen(port)`
// without a host (Node then binds every interface). Any TCP listen that names no host is
// bound to 127.0.0.1 instead; an explicit host or a Unix socket path is left alone.
"use strict";
const net = require("net");

const original = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (isPort(args[0])) {
    if (args.length === 1 || typeof args[1] === "function") {
      args.splice(1, 0, "127.0.0.1");
    }
  } else if (args.length === 0 || typeof args[0] === "function") {
    args.unshift(0, "127.0.0.1");
  } else if (args[0] && typeof args[0] === "object" && args[0].path === undefined && args[0].host === undefined && args[0].fd === undefined && args[0].handle === undefined && !(args[0] instanceof net.Server)) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return original.apply(this, args);
};
