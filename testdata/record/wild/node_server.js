// Node.js smtp-server for wild.sh: plaintext SMTP (no TLS at all, STARTTLS
// disabled) on the port given, e.g. 465. Usage: node node_server.js ADDR PORT
const { SMTPServer } = require("smtp-server");
const [addr, port] = process.argv.slice(2);
const server = new SMTPServer({
  name: "mx.example.net",
  secure: false,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    stream.on("data", () => {});
    stream.on("end", () => callback(null, "Message queued"));
  },
});
server.on("error", (e) => console.error("server error:", e.message));
server.listen(Number(port), addr, () => console.log("listening"));
