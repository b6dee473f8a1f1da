// Copies the browser bundles the chat page needs into ../static/vendor/ (committed).
const fs = require("fs");
const path = require("path");

const modules = path.join(__dirname, "node_modules");
const files = [
  ["socket.io-client/dist/socket.io.min.js", "socket.io.min.js"],
  ["socket.io-client/LICENSE", "socket.io-client.LICENSE"],
];
const target = path.join(__dirname, "..", "static", "vendor");
fs.mkdirSync(target, { recursive: true });
for (const [source, name] of files) {
  fs.copyFileSync(path.join(modules, source), path.join(target, name));
  console.log(`vendored ${source} -> static/vendor/${name}`);
}
const version = require(path.join(modules, "socket.io-client", "package.json")).version;
fs.writeFileSync(path.join(target, "VERSIONS"), `socket.io-client ${version}\n`);
