#!/usr/bin/env node
// npm run bench:sigma — security events per second through 500 Sigma rules on
// one core (this process's single thread), as a deployment would run them.
// The rules: the real SigmaHQ sample and Tandem's own rules in
// test/fixtures/sigma/, plus variants of those real rules (new id, the literal
// values of plain string matches changed) until there are 500, spread over
// their logsources with Windows process creation the largest share, as in
// SigmaHQ. The events: a seeded mix in which most events match no rule —
// routine Sysmon-shaped process, network, file, registry, DNS and image-load
// events, Windows security log-ons, Linux process and auditd events, web and
// proxy access lines, CloudTrail calls, and firewall lines no rule reads —
// with the hand-written matches and near misses of events.jsonl mixed in.
// Target: at least 20,000 events/s (exit 1 if missed).
// Uses the compiled dist/ (run `npx tsc -p tsconfig.json` or `npm run build` first).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { ROOT, round } from './lib.js';

const RULES = 500;
const EVENTS = Number(process.env.BENCH_SIGMA_EVENTS ?? 200_000);
const TARGET = 20_000;
const SHARE_HAND_WRITTEN = 0.08;

const { loadRuleSet } = await import(join(ROOT, 'dist/sigma/index.js'));
const FIXTURES = join(ROOT, 'test/fixtures/sigma');
const SAMPLE = [join(FIXTURES, 'sigmahq'), join(FIXTURES, 'tandem')];

let seed = 20261130;
/** A seeded uniform number in [0, 1) (mulberry32): the same rules and events on every run. */
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
const guid = () => `{${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}}`.toUpperCase();
const ip4 = () =>
  rand() < 0.6
    ? `10.${int(0, 40)}.${int(0, 255)}.${int(1, 254)}`
    : `${pick([20, 52, 104, 151, 185, 198])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;

function ruleFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return ruleFiles(full);
      return /\.ya?ml$/.test(name) ? [full] : [];
    });
}

/** Modifiers whose values are plain strings a variant may change without changing what kind of match it is. */
const PLAIN = new Set(['contains', 'startswith', 'endswith', 'all', 'cased']);

/** Changes the plain string values of a detection in place: `Image|endswith: '\cmd.exe'` becomes '\cmd.exe' + a suffix. */
function vary(detection, n) {
  const change = (node) => {
    if (isScalar(node) && typeof node.value === 'string' && node.value !== '' && !node.value.endsWith('\\'))
      node.value = `${node.value}${n}`;
    else if (isSeq(node)) node.items.forEach(change);
  };
  const selection = (node) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const [, ...mods] = String(pair.key.value).split('|');
        if (mods.every((m) => PLAIN.has(m))) change(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isMap(item)) selection(item);
        else change(item);
      }
    }
  };
  // Filters stay as they are: a changed filter would let through what the rule means to leave out.
  for (const pair of detection.items) {
    const name = String(pair.key.value);
    if (!['condition', 'timeframe'].includes(name) && !/^(filter|falsepositive|exclude)/i.test(name)) selection(pair.value);
  }
}

/**
 * Variants of the sample's single-document rules until there are RULES in all; Windows process creation weighs three
 * times. Returns each variant's file with the sample file it was made from.
 */
function variants(compiledCount, dir) {
  const from = new Map();
  const bases = ruleFiles(SAMPLE[0])
    .concat(ruleFiles(SAMPLE[1]))
    .map((file) => ({ file, docs: parseAllDocuments(readFileSync(file, 'utf8')) }))
    .filter(({ docs }) => docs.length === 1 && docs[0].errors.length === 0 && !docs[0].toJS().action)
    .filter(({ docs }) => !JSON.stringify(docs[0].toJS()).includes('|expand'));
  const weighted = bases.flatMap((b) => {
    const ls = b.docs[0].toJS().logsource ?? {};
    return ls.category === 'process_creation' && ls.product === 'windows' ? [b, b, b] : [b];
  });
  let made = 0;
  for (let n = 1; compiledCount + made < RULES; n++) {
    for (const base of weighted) {
      if (compiledCount + made >= RULES) break;
      const doc = base.docs[0].clone();
      const id = createHash('sha256').update(`${base.file}#${n}#${made}`).digest('hex');
      doc.set('id', `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(17, 20)}-${id.slice(20, 32)}`);
      doc.set('title', `${doc.get('title')} (variant ${n})`);
      vary(doc.get('detection'), `_v${n}`);
      const file = join(dir, `${String(made).padStart(3, '0')}-${relative(FIXTURES, base.file).replaceAll('/', '_')}`);
      writeFileSync(file, doc.toString());
      from.set(file, relative(FIXTURES, base.file));
      made++;
    }
  }
  return from;
}

// Routine events: what endpoints, servers and clouds send all day. Field sets follow Sysmon, the Windows
// security log, auditd, W3C access logs and CloudTrail, so keyword rules search realistic amounts of text.
const USERS = ['CORP\\alice', 'CORP\\bob', 'CORP\\kim', 'CORP\\svc-backup', 'NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\NETWORK SERVICE'];
const PROGRAMS = [
  ['C:\\Windows\\System32\\svchost.exe', 'svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule'],
  [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'chrome.exe',
    '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US',
  ],
  ['C:\\Windows\\System32\\conhost.exe', 'CONHOST.EXE', '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'],
  [
    'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE',
    'outlook.exe',
    '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle',
  ],
  [
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    'PowerShell.EXE',
    'powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\Vendor\\inventory.ps1',
  ],
  ['C:\\Windows\\System32\\cmd.exe', 'Cmd.Exe', 'C:\\Windows\\system32\\cmd.exe /c "C:\\Scripts\\nightly.bat"'],
  ['C:\\Windows\\System32\\taskhostw.exe', 'taskhostw.exe', 'taskhostw.exe Install $(Arg0)'],
  ['C:\\Program Files\\Microsoft VS Code\\Code.exe', 'electron.exe', '"C:\\Program Files\\Microsoft VS Code\\Code.exe" --type=utility'],
  ['C:\\Windows\\System32\\msiexec.exe', 'msiexec.exe', 'C:\\Windows\\system32\\msiexec.exe /V'],
  [
    'C:\\Windows\\System32\\backgroundTaskHost.exe',
    'backgroundTaskHost.exe',
    'backgroundTaskHost.exe -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca',
  ],
];
const PARENTS = [
  'C:\\Windows\\explorer.exe',
  'C:\\Windows\\System32\\services.exe',
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Windows\\System32\\userinit.exe',
];
const sysmonBase = (eventId) => ({
  EventID: eventId,
  UtcTime: `2026-11-30 0${int(0, 9)}:${int(10, 59)}:${int(10, 59)}.${int(100, 999)}`,
  ProcessGuid: guid(),
  ProcessId: int(400, 30000),
  Computer: `ws${int(1, 400)}.corp.example`,
});
const GENERATORS = [
  [
    30,
    { product: 'windows', category: 'process_creation' },
    () => {
      const [image, original, cmd] = pick(PROGRAMS);
      return {
        ...sysmonBase(1),
        Image: image,
        OriginalFileName: original,
        CommandLine: cmd,
        CurrentDirectory: 'C:\\Windows\\system32\\',
        User: pick(USERS),
        LogonGuid: guid(),
        LogonId: `0x${hex(6)}`,
        TerminalSessionId: int(0, 3),
        IntegrityLevel: pick(['Medium', 'High', 'System']),
        Hashes: `SHA256=${hex(64).toUpperCase()},IMPHASH=${hex(32).toUpperCase()}`,
        ParentProcessGuid: guid(),
        ParentProcessId: int(400, 30000),
        ParentImage: pick(PARENTS),
        ParentCommandLine: 'C:\\Windows\\Explorer.EXE',
        ParentUser: pick(USERS),
        Company: 'Microsoft Corporation',
        Product: 'Microsoft® Windows® Operating System',
      };
    },
  ],
  [
    10,
    { product: 'windows', category: 'network_connection' },
    () => {
      const image = pick(PROGRAMS)[0];
      // Office talks to Microsoft's own ranges (Exchange Online here); the rest anywhere.
      const office = image.includes('\\Microsoft Office\\');
      return {
        ...sysmonBase(3),
        Image: image,
        User: pick(USERS),
        Protocol: 'tcp',
        Initiated: 'true',
        SourceIsIpv6: 'false',
        SourceIp: `10.1.${int(0, 255)}.${int(1, 254)}`,
        SourcePort: int(49152, 65535),
        DestinationIsIpv6: 'false',
        DestinationIp: office ? `52.${int(96, 99)}.${int(0, 255)}.${int(1, 254)}` : ip4(),
        DestinationHostname: office ? 'outlook.office365.com' : pick(['www.google.com', 'fileserver01.corp.example', '']),
        DestinationPort: office ? 443 : pick([443, 443, 443, 80, 445, 53, 389]),
      };
    },
  ],
  [
    8,
    { product: 'windows', category: 'file_event' },
    () => ({
      ...sysmonBase(11),
      Image: pick(PROGRAMS)[0],
      User: pick(USERS),
      CreationUtcTime: '2026-11-30 07:12:44.101',
      TargetFilename:
        pick(['C:\\Users\\alice\\AppData\\Local\\Temp\\', 'C:\\Windows\\Prefetch\\', 'C:\\ProgramData\\Vendor\\logs\\']) +
        `${hex(8)}.${pick(['tmp', 'pf', 'log', 'dat'])}`,
    }),
  ],
  [
    8,
    { product: 'windows', category: 'registry_set' },
    () => ({
      ...sysmonBase(13),
      EventType: 'SetValue',
      Image: pick(PROGRAMS)[0],
      User: pick(USERS),
      TargetObject: `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\${pick(['WindowsUpdate\\Auto Update\\LastOnlineScanTimeForAppCategory', 'Explorer\\StartupApproved\\Run\\OneDrive', 'Installer\\UserData\\S-1-5-18\\Products'])}\\${hex(6)}`,
      Details: pick(['DWORD (0x00000001)', 'Binary Data', `QWORD (0x${hex(8)}-0x${hex(8)})`]),
    }),
  ],
  [
    8,
    { product: 'windows', category: 'dns_query' },
    () => ({
      ...sysmonBase(22),
      Image: pick(PROGRAMS)[0],
      User: pick(USERS),
      QueryName: pick([
        'login.microsoftonline.com',
        'www.google.com',
        'update.googleapis.com',
        'fileserver01.corp.example',
        `${hex(10)}.cdn.example.net`,
      ]),
      QueryStatus: '0',
      QueryResults: `::ffff:${ip4()};`,
    }),
  ],
  [
    6,
    { product: 'windows', category: 'image_load' },
    () => ({
      ...sysmonBase(7),
      Image: pick(PROGRAMS)[0],
      ImageLoaded: `C:\\Windows\\System32\\${pick(['kernel32.dll', 'ntdll.dll', 'bcrypt.dll', 'wininet.dll', 'msv1_0.dll'])}`,
      Signed: 'true',
      Signature: 'Microsoft Windows',
      SignatureStatus: 'Valid',
      User: pick(USERS),
    }),
  ],
  [
    8,
    { product: 'windows', service: 'security' },
    () => ({
      EventID: pick([4624, 4624, 4634, 4672, 4688]),
      Computer: `ws${int(1, 400)}.corp.example`,
      SubjectUserName: pick(['WS12$', 'alice', 'bob', '-']),
      SubjectDomainName: 'CORP',
      TargetUserName: pick(['alice', 'bob', 'kim', 'svc-backup']),
      TargetDomainName: 'CORP',
      LogonType: pick([2, 3, 3, 5, 7, 10]),
      IpAddress: pick(['-', '127.0.0.1', `10.1.${int(0, 255)}.${int(1, 254)}`]),
      IpPort: String(int(0, 65535)),
      LogonProcessName: 'Kerberos',
      AuthenticationPackageName: 'Kerberos',
      WorkstationName: `WS${int(1, 400)}`,
      ProcessName: 'C:\\Windows\\System32\\lsass.exe',
    }),
  ],
  [
    5,
    { product: 'linux', category: 'process_creation' },
    () => ({
      ProcessId: int(1000, 90000),
      Image: pick(['/usr/bin/bash', '/usr/bin/python3', '/usr/sbin/cron', '/usr/bin/systemctl', '/usr/bin/git']),
      CommandLine: pick([
        '/bin/bash -c /opt/app/healthcheck.sh',
        'python3 /opt/app/worker.py --queue default',
        'systemctl status nginx',
        'git fetch --all',
      ]),
      CurrentDirectory: '/opt/app',
      User: pick(['root', 'app', 'deploy']),
      ParentImage: pick(['/usr/lib/systemd/systemd', '/usr/sbin/cron', '/usr/sbin/sshd']),
      ParentCommandLine: '/usr/sbin/cron -f',
    }),
  ],
  [
    3,
    { product: 'linux', service: 'auditd' },
    () => ({
      type: pick(['EXECVE', 'SYSCALL', 'PATH']),
      argc: 2,
      a0: pick(['ls', 'cat', 'grep', 'systemctl']),
      a1: pick(['/var/log/nginx/access.log', '-la', 'status']),
      comm: pick(['ls', 'cat', 'grep']),
      exe: '/usr/bin/cat',
      uid: '1000',
      auid: '1000',
      key: 'exec',
    }),
  ],
  [
    5,
    { category: 'webserver' },
    () => ({
      date: '2026-11-30',
      time: `0${int(0, 9)}:${int(10, 59)}:${int(10, 59)}`,
      's-ip': '10.0.0.5',
      'cs-method': pick(['GET', 'GET', 'GET', 'POST']),
      'cs-uri-stem': pick(['/', '/api/orders', '/static/app.js', '/login', '/images/logo.png']),
      'cs-uri-query': pick(['-', 'page=2', 'id=1042&view=full', 'q=shoes']),
      's-port': 443,
      'c-ip': ip4(),
      'cs(User-Agent)': 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)',
      'sc-status': pick([200, 200, 304, 404]),
      'time-taken': int(1, 900),
    }),
  ],
  [
    3,
    { category: 'proxy' },
    () => ({
      'c-ip': `10.1.${int(0, 255)}.${int(1, 254)}`,
      'cs-method': 'CONNECT',
      'cs-host': pick(['www.google.com', 'outlook.office365.com', 'github.com']),
      'c-useragent': 'Mozilla/5.0',
      'sc-status': 200,
      'r-dns': 'github.com',
    }),
  ],
  [
    3,
    { product: 'aws', service: 'cloudtrail' },
    () => ({
      eventVersion: '1.09',
      eventSource: pick(['s3.amazonaws.com', 'ec2.amazonaws.com', 'sts.amazonaws.com', 'iam.amazonaws.com']),
      eventName: pick(['GetObject', 'DescribeInstances', 'AssumeRole', 'ListUsers', 'PutObject']),
      awsRegion: 'eu-west-1',
      sourceIPAddress: ip4(),
      userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::123456789012:assumed-role/app/${hex(8)}`, accountId: '123456789012' },
      requestParameters: { bucketName: 'acme-data' },
    }),
  ],
  [
    4,
    { product: 'firewall' },
    () => ({
      action: pick(['allow', 'allow', 'deny']),
      src_ip: ip4(),
      dst_ip: ip4(),
      dst_port: pick([443, 80, 53, 22]),
      proto: 'tcp',
      rule: `rule-${int(1, 80)}`,
    }),
  ],
];
const totalWeight = GENERATORS.reduce((s, [w]) => s + w, 0);

function routineEvent() {
  let r = rand() * totalWeight;
  for (const [w, logsource, make] of GENERATORS) {
    if ((r -= w) < 0) return { logsource, event: make() };
  }
  const [, logsource, make] = GENERATORS[0];
  return { logsource, event: make() };
}

const handWritten = readFileSync(join(FIXTURES, 'events.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));

// Rules: the sample, then variants written to a temporary folder.
const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-sigma-'));
const sampleOnly = await loadRuleSet(SAMPLE);
const variantOf = variants(sampleOnly.rules.length, dir);
const loadStart = performance.now();
const rules = await loadRuleSet([...SAMPLE, dir]);
const loadMs = performance.now() - loadStart;
rmSync(dir, { recursive: true, force: true });

const events = Array.from({ length: EVENTS }, () => (rand() < SHARE_HAND_WRITTEN ? pick(handWritten) : routineEvent()));

// Warm-up (the compiler's optimised code and the per-logsource rule lists), then the timed pass.
for (let i = 0; i < Math.min(20_000, EVENTS); i++) rules.match(events[i].event, events[i].logsource);
let matches = 0;
let matchingEvents = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (const { event, logsource } of events) {
  const m = rules.match(event, logsource).length;
  matches += m;
  if (m > 0) matchingEvents++;
}
const seconds = (performance.now() - t0) / 1000;
// CPU time of this process over the same pass: on a shared machine wall time also counts other processes' turns.
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

// Where the time goes: each rule on its own over a slice of the events, summed per rule file (a rule and its
// variants). Alone, a rule reads each event afresh (the rule set shares one read among its rules): an upper bound.
const perFile = new Map();
const slice = events.slice(0, Math.min(20_000, EVENTS));
for (const r of rules.rules) {
  const t = performance.now();
  for (const { event, logsource } of slice) r.matches(event, logsource);
  const key = variantOf.get(r.file) ?? relative(FIXTURES, r.file);
  perFile.set(key, (perFile.get(key) ?? 0) + (performance.now() - t));
}
const costliest = [...perFile.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, 8)
  .map(([file, ms]) => ({ file, us_per_event: round((ms * 1000) / slice.length, 3) }));

const byLogsource = {};
for (const r of rules.rules) {
  const key = [r.logsource.product, r.logsource.category, r.logsource.service].filter(Boolean).join('/') || '(any)';
  byLogsource[key] = (byLogsource[key] ?? 0) + 1;
}
const eventsPerS = Math.round(EVENTS / seconds);
console.log(
  JSON.stringify(
    {
      benchmark: 'sigma',
      node: process.version,
      cpus: cpus().length,
      rules: rules.rules.length,
      refused: rules.refusals.length,
      variants: variantOf.size,
      load_ms: round(loadMs),
      events: EVENTS,
      hand_written_share: SHARE_HAND_WRITTEN,
      seconds: round(seconds, 3),
      events_per_s: eventsPerS,
      cpu_seconds: round(cpuSeconds, 3),
      events_per_cpu_s: Math.round(EVENTS / cpuSeconds),
      matches,
      matching_events: matchingEvents,
      target_events_per_s: TARGET,
      met: eventsPerS >= TARGET,
      costliest_rules: costliest,
      rules_by_logsource: Object.fromEntries(Object.entries(byLogsource).sort((a, b) => b[1] - a[1])),
    },
    null,
    2,
  ),
);
if (eventsPerS < TARGET) process.exitCode = 1;
