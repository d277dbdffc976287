// nodemailer client for wild.sh: one plaintext delivery.
// Usage: node nodemailer_send.js HOST PORT FROM TO BODYFILE
const nodemailer = require("nodemailer");
const fs = require("fs");
const [host, port, from, to, bodyFile] = process.argv.slice(2);
const t = nodemailer.createTransport({
  host, port: Number(port), secure: false, ignoreTLS: true,
  name: "client.example.org", connectionTimeout: 10000, greetingTimeout: 10000,
});
t.sendMail({ from, to, subject: "esaflow wild nodemailer capture", text: fs.readFileSync(bodyFile, "utf8") })
  .then((info) => { console.log("sent:", info.response); t.close(); })
  .catch((e) => { console.error("error:", e.message); t.close(); process.exitCode = 1; });
