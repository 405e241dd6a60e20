// Serialises a parsed Config into the normalised `key=value` text the WebAssembly core parses at init.
import { serializeHostList } from "./access-config.ts";
import { addressHex } from "./address.ts";
import { CIPHERS, type Config } from "./config.ts";

/**
 * Normalised `key=value` text the core parses at init; shares with available = no are left out.
 * `interfaces` lists the listen addresses as hex bytes (8 or 32 digits, comma separated).
 */
export function serializeForCore(cfg: Config): string {
  const hex = (d: number) => `0x${d.toString(16).padStart(4, "0")}`;
  const g = cfg.global;
  const lines = [
    "[global]", `netbiosname=${g.netbiosName}`, `workgroup=${g.workgroup}`, `serverstring=${g.serverString}`,
    `signing=${g.serverSigning}`, `minprotocol=${hex(g.minProtocol)}`, `maxprotocol=${hex(g.maxProtocol)}`,
    `maptoguest=${g.mapToGuest === "bad user" ? 1 : 0}`, `loglevel=${g.logLevel}`, `maxconnections=${g.maxConnections}`,
    `interfaces=${g.interfaces.map(addressHex).filter((h) => h !== "").join(",")}`,
    `encryption=${g.encryption}`, `ciphers=${g.encryptionAlgorithms.map((n) => CIPHERS[n]).join(",")}`,
    `hostsallow=${serializeHostList(g.hostsAllow)}`, `hostsdeny=${serializeHostList(g.hostsDeny)}`,
    `restrictanonymous=${g.restrictAnonymous}`, `maxipconnections=${g.maxIpConnections}`,
    `maxopenfiles=${g.maxOpenFiles}`, `multichannel=${+g.multiChannel}`, `deadtime=${Math.round(g.deadtime * 60000)}`,
    `handshaketimeout=${Math.round(g.handshakeTimeout * 1000)}`, `frametimeout=${Math.round(g.frameTimeout * 1000)}`,
  ];
  cfg.shares.forEach((s, index) => {
    if (!s.available) return;
    lines.push("[share]", `name=${s.name}`, `comment=${s.comment}`, `readonly=${+s.readOnly}`,
      `guestok=${+s.guestOk}`, `browseable=${+s.browseable}`, `encryption=${s.encryption}`);
    const list = (k: string, v: string[] | undefined) => { if (v) lines.push(`${k}=${v.join(",")}`); };
    list("validusers", s.validUsers);
    list("invalidusers", s.invalidUsers);
    list("readlist", s.readList);
    list("writelist", s.writeList);
    if (s.hostsAllow) lines.push(`hostsallow=${serializeHostList(s.hostsAllow)}`);
    if (s.hostsDeny) lines.push(`hostsdeny=${serializeHostList(s.hostsDeny)}`);
    if (s.vetoFiles) lines.push(`vetofiles=/${s.vetoFiles.join("/")}/`);
    if (s.hideFiles) lines.push(`hidefiles=/${s.hideFiles.join("/")}/`);
    if (s.hideDotFiles === false) lines.push("hidedotfiles=0");
    lines.push(`index=${index}`);
  });
  for (const l of lines) if (/[\r\n]/.test(l)) throw new Error(`serializeForCore: newline in "${l.split("=")[0]}"`);
  return `${lines.join("\n")}\n`;
}
