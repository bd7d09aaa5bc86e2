// `npm run kms-emulator -- [--port 9002] [--host 127.0.0.1] [--key-id demo-key] [--access-key-id ID --access-key-secret S]`
// Runs the KMS emulator in the foreground (Encrypt/Decrypt, RPC v1 signatures checked) for the
// alicloudkms seal walk-through: seal "alicloudkms" { domain = "http://127.0.0.1:9002" ... }.
import { startKmsEmulator } from "./server.js";
import { parseEmulatorArgs, portOption } from "../usage.js";

const USAGE = `Usage: npm run kms-emulator -- [--port 9002] [--host 127.0.0.1] [--key-id demo-key]
                            [--access-key-id ID --access-key-secret S]

Runs the AliCloud KMS emulator (Encrypt/Decrypt, RPC v1 signatures checked) in the foreground until
SIGINT/SIGTERM, for the alicloudkms seal: seal "alicloudkms" { domain = "http://127.0.0.1:9002" ... }.

  --port N                listen port (default 9002; 0 = any free port)
  --host H                listen address (default 127.0.0.1)
  --key-id ID             the KMS key id (default demo-key)
  --access-key-id ID      the access key it accepts (default LTAIdemokms)
  --access-key-secret S   its secret (default demo-kms-secret)
  -h, --help              this text
`;

async function main(): Promise<void> {
  const values = parseEmulatorArgs("kms-emulator", USAGE, {
      port: { type: "string", default: "9002" },
      host: { type: "string", default: "127.0.0.1" },
      "key-id": { type: "string", default: "demo-key" },
      "access-key-id": { type: "string", default: "LTAIdemokms" },
      "access-key-secret": { type: "string", default: "demo-kms-secret" },
    });
  const port = portOption(values.port);
  const kms = await startKmsEmulator({ host: values.host, port, keyIds: [values["key-id"]!], accessKeys: [{ accessKeyId: values["access-key-id"]!, accessKeySecret: values["access-key-secret"]! }] });
  process.stdout.write(`KMS emulator on ${kms.url} (key id ${values["key-id"]}, access key ${values["access-key-id"]})\n`);
  const stop = () => void kms.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`kms-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
