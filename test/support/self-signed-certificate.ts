// A throwaway self-signed certificate for TLS tests (openssl req -x509), written as key.pem and cert.pem into a directory.

import { join } from "node:path";

export interface CertificateFiles {
	key: string;
	cert: string;
}

export function writeSelfSignedCertificate(directory: string): CertificateFiles {
	const key = join(directory, "key.pem");
	const cert = join(directory, "cert.pem");
	const r = Bun.spawnSync(
		[
			"openssl",
			"req",
			"-x509",
			"-newkey",
			"rsa:2048",
			"-nodes",
			"-days",
			"1",
			"-subj",
			"/CN=localhost",
			"-keyout",
			key,
			"-out",
			cert,
		],
		{ stdout: "ignore", stderr: "pipe" },
	);
	if (r.exitCode !== 0)
		throw new Error(`openssl could not make a test certificate: ${r.stderr.toString().trim()}`);
	return { key, cert };
}
