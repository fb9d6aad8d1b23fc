#!/usr/bin/env python3
"""Static checks of deploy/windows/ (there is no PowerShell here to run the scripts).

Resolves the paths install.ps1 builds with Join-Path (ProgramFiles = C:\\Program Files,
ProgramData = C:\\ProgramData) and asserts:
- bms.env.template: exactly the spec's placeholders, unquoted NAME=value lines, ASCII;
- install.ps1: every NSSM setting with the old guide's values, the scheduled task
  (daily 02:30 as SYSTEM, db backup --dir ... --keep 14), the .env written from the
  template (every placeholder replaced, never over an existing .env), the migration from
  the previous layout, the firewall switches with the old guide's netsh rules;
- BackupManagementSystem-DbBackup.xml: the same task as install.ps1 registers;
- uninstall.ps1: removes the service and the task, keeps .env and data unless -Purge;
- all scripts: ASCII, balanced brackets and quotes, no "$name:" in strings (a parse error),
  functions defined before use, no variable used that is never assigned;
- deploy/tests/fixtures/legacy-windows.env: the old guide's Windows .env block, verbatim.

  python3 deploy/tests/test-windows-scripts.py
"""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIN = ROOT / "deploy" / "windows"
GUIDE = Path("/work/shared/legacy/DEPLOYMENT_GUIDE.ja.md")
FIXTURE = ROOT / "deploy" / "tests" / "fixtures" / "legacy-windows.env"

PLACEHOLDERS = {"@SECRET_KEY@", "@DATA_DIR@", "@LOG_DIR@", "@HOST@", "@PORT@", "@STATIC_DIR@"}
APP = r"C:\Program Files\BackupManagementSystem"
DATA = r"C:\ProgramData\BackupManagementSystem"
# The old guide, step 4.2 (values also read from the guide below when it is present).
NSSM_EXPECTED = {
    "Application": APP + r"\bms.exe",
    "AppParameters": "serve",
    "AppDirectory": APP,
    "AppEnvironmentExtra": "BMS_ENV_FILE=" + APP + r"\.env",
    "AppStdout": DATA + r"\logs\app.log",
    "AppStderr": DATA + r"\logs\error.log",
    "AppRotateFiles": "1",
    "AppRotateOnline": "1",
    "AppRotateSeconds": "86400",
    "AppRotateBytes": "104857600",
    "AppStopMethodConsole": "30000",
    "AppExit": "Default Restart",
    "DisplayName": "Backup Management System",
    "Start": "SERVICE_AUTO_START",
}
TASK_ARGUMENTS = f'--env-file "{APP}\\.env" db backup --dir "{DATA}\\backups" --keep 14'

failures = []
passed = 0


def check(condition, message):
    global passed
    if condition:
        passed += 1
        print(f"ok: {message}")
    else:
        failures.append(message)
        print(f"FAIL: {message}")


def read(path):
    return path.read_text(encoding="utf-8")


def code_lines(text):
    """The script without <# #> blocks and whole-line comments, as (number, line)."""
    text = re.sub(r"<#.*?#>", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    # A backtick at the end of a line continues the command on the next one.
    text = re.sub(r" `\n\s*", lambda m: " ", text)
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.strip().startswith("#")]


# ---------------------------------------------------------------- PowerShell syntax
AUTOMATIC = {"args", "lastexitcode", "erroractionpreference", "psscriptroot", "matches", "_", "true", "false", "null"}


def scan_powershell(name, text):
    """Brackets, quotes and "$x:" in strings; returns (code variables, string variables)."""
    used = []
    stack = []
    i, line = 0, 1
    problems = []

    def parse_double(i):
        """i at the opening quote; returns the index after the closing quote."""
        nonlocal line
        start_line = line
        i += 1
        while i < len(text):
            c = text[i]
            if c == "\n":
                line += 1
            if c == "`":
                i += 2
                continue
            if c == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    i += 2
                    continue
                return i + 1
            if c == "$" and i + 1 < len(text) and text[i + 1] == "(":
                i = parse_code(i + 2, ")")
                continue
            if c == "$" and i + 1 < len(text) and text[i + 1] == "{":
                end = text.index("}", i)
                used.append((text[i + 2 : end].split(":")[-1].lower(), line))
                i = end + 1
                continue
            m = re.match(r"\$(\w+)(:?)", text[i:])
            if m:
                var, colon = m.group(1), m.group(2)
                if colon:
                    rest = text[i + m.end() :]
                    if var.lower() not in ("env", "script", "global", "local", "private", "using", "variable"):
                        problems.append(f"{name}:{line}: \"${var}:\" in a string is a parse error; write ${{{var}}}:")
                    elif re.match(r"\w", rest):
                        pass
                else:
                    used.append((var.lower(), line))
                i += m.end()
                continue
            i += 1
        problems.append(f"{name}:{start_line}: unterminated double-quoted string")
        return i

    def parse_code(i, closer):
        nonlocal line
        depth = len(stack)
        if closer:
            stack.append((closer, line))
        while i < len(text):
            c = text[i]
            if c == "\n":
                line += 1
                i += 1
            elif text.startswith("<#", i):
                end = text.find("#>", i)
                line += text[i:end].count("\n")
                i = end + 2
            elif c == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
            elif c == "`":
                i += 2
            elif c == "'":
                end = i + 1
                while True:
                    end = text.find("'", end)
                    if end < 0:
                        problems.append(f"{name}:{line}: unterminated single-quoted string")
                        return len(text)
                    if text.startswith("''", end):
                        end += 2
                        continue
                    break
                line += text[i:end].count("\n")
                i = end + 1
            elif c == '"':
                i = parse_double(i)
            elif c in "({[":
                stack.append(({"(": ")", "{": "}", "[": "]"}[c], line))
                i += 1
            elif c in ")}]":
                if not stack or stack[-1][0] != c:
                    problems.append(f"{name}:{line}: unbalanced '{c}'")
                else:
                    stack.pop()
                i += 1
                if closer and len(stack) == depth:
                    return i
            elif c == "$":
                m = re.match(r"\$(\w+)(:\w+)?", text[i:])
                if m:
                    if not m.group(2):
                        used.append((m.group(1).lower(), line))
                    i += m.end()
                else:
                    i += 1
            else:
                i += 1
        return i

    parse_code(0, None)
    for closer, opened in stack:
        problems.append(f"{name}:{opened}: '{closer}' never closes")
    check(not problems, f"{name}: brackets and quotes balance, no \"$name:\" inside strings" + "".join("\n    " + p for p in problems))

    assigned = set(AUTOMATIC)
    for m in re.finditer(r"\$(\w+)\s*(?:=[^=]|\+\+|\+=)", text):
        assigned.add(m.group(1).lower())
    for m in re.finditer(r"\]\s*\$(\w+)", text):  # [type] $param
        assigned.add(m.group(1).lower())
    for m in re.finditer(r"foreach\s*\(\s*\$(\w+)\s+in", text):
        assigned.add(m.group(1).lower())
    for m in re.finditer(r"for\s*\(\s*\$(\w+)\s*=", text):
        assigned.add(m.group(1).lower())
    unknown = sorted({f"${v} (line {n})" for v, n in used if v not in assigned})
    check(not unknown, f"{name}: every variable used is assigned somewhere: {', '.join(unknown) or 'yes'}")

    functions = {m.group(1): text[: m.start()].count("\n") + 1 for m in re.finditer(r"^function ([\w-]+)", text, re.M)}
    late = []
    for function, defined in functions.items():
        for m in re.finditer(rf"(?<![\w-]){re.escape(function)}(?![\w-])", text):
            at = text[: m.start()].count("\n") + 1
            if at < defined:
                late.append(f"{function} used on line {at}, defined on line {defined}")
    check(not late, f"{name}: functions are defined before use ({', '.join(functions) or 'none'})" + "".join("\n    " + x for x in late))


CMDLETS = {
    "New-Object", "Test-Path", "Resolve-Path", "Get-Command", "Join-Path", "Out-Null", "Out-String",
    "Get-Service", "Stop-Service", "New-TimeSpan", "New-Item", "Copy-Item", "Remove-Item", "Get-ChildItem",
    "Get-Content", "Start-Sleep", "Write-Host", "Write-Warning", "Where-Object", "Select-Object",
    "ForEach-Object", "Invoke-WebRequest", "New-ScheduledTaskAction", "New-ScheduledTaskTrigger",
    "New-ScheduledTaskPrincipal", "New-ScheduledTaskSettingsSet", "Register-ScheduledTask",
    "Get-ScheduledTask", "Unregister-ScheduledTask", "Get-NetFirewallRule", "Remove-NetFirewallRule",
}


def commands_known(name, text):
    """Every Verb-Noun command is a Windows PowerShell 5.1 cmdlet or a function of the script."""
    body = re.sub(r"<#.*?#>", "", text, flags=re.S)
    body = re.sub(r"(?m)^\s*#.*$", "", body)
    body = re.sub(r'"[^"\n]*"', '""', body)
    functions = set(re.findall(r"^function ([\w-]+)", body, re.M))
    called = set(re.findall(r"(?<![\w$-])([A-Z][a-z]+-[A-Z][A-Za-z]+)\b", body))
    unknown = sorted(called - CMDLETS - functions)
    check(not unknown, f"{name}: every command is a known cmdlet or defined in the script {unknown or ''}")


def ascii_only(name, text):
    bad = [n for n, line in enumerate(text.splitlines(), 1) if not line.isascii()]
    check(not bad, f"{name}: ASCII only (Windows PowerShell reads a file without BOM as ANSI) {bad or ''}")


# ---------------------------------------------------------------- value resolution
def resolver(lines):
    values = {"env:ProgramFiles": r"C:\Program Files", "env:ProgramData": r"C:\ProgramData"}
    for _, line in lines:
        m = re.fullmatch(r'\$(\w+) = Join-Path \$([\w:]+) "([^"]+)"', line)
        if m and m.group(2) in values:
            values[m.group(1)] = values[m.group(2)] + "\\" + m.group(3)
            continue
        m = re.fullmatch(r'\$(\w+) = "([^"`$]*)"', line)
        if m:
            values[m.group(1)] = m.group(2)

    def resolve(expr):
        expr = expr.strip()
        m = re.fullmatch(r'\(Join-Path \$(\w+) "([^"]+)"\)', expr)
        if m:
            return values.get(m.group(1), "?") + "\\" + m.group(2)
        if expr.startswith("$") and re.fullmatch(r"\$\w+", expr):
            return values.get(expr[1:], f"?{expr}")
        if expr.startswith('"') and expr.endswith('"'):
            inner = expr[1:-1].replace('`"', '"')
            return re.sub(r"\$(\w+)", lambda v: values.get(v.group(1), f"?${v.group(1)}"), inner)
        return expr

    return values, resolve


# ---------------------------------------------------------------- the old guide
def guide_values():
    """NSSM settings and netsh rules of the old guide's Windows section, if it is here."""
    if not GUIDE.is_file():
        print(f"note: {GUIDE} not found; using the values copied from it")
        return None, None, None
    guide = read(GUIDE)
    nssm = dict(re.findall(r"^nssm set BackupManagementSystem (AppRotate\w+|AppStdout|AppStderr|AppDirectory) (.+)$", guide, re.M))
    nssm = {k: v.strip().strip('"') for k, v in nssm.items()}
    rules = re.findall(r'^netsh advfirewall firewall add rule name="([^"]+)" (dir=in action=allow protocol=tcp) localport=(\d+)$', guide, re.M)
    block = re.search(r"#### 2\.2 必須環境変数の設定.*?```ini\n(.*?)```", guide, re.S)
    return nssm, rules, block.group(1) if block else None


guide_nssm, guide_rules, guide_env = guide_values()
if guide_nssm:
    for key, value in guide_nssm.items():
        check(NSSM_EXPECTED.get(key) == value, f"the old guide's NSSM {key} {value} is what this check expects")

# ---------------------------------------------------------------- bms.env.template
template_path = WIN / "bms.env.template"
template = read(template_path)
ascii_only("bms.env.template", template)
check(set(re.findall(r"@[A-Z_]+@", template)) == PLACEHOLDERS, f"bms.env.template has exactly the placeholders {' '.join(sorted(PLACEHOLDERS))}")
settings = {}
bad_lines = []
for n, line in enumerate(template.splitlines(), 1):
    if not line.strip() or line.startswith("#"):
        continue
    m = re.fullmatch(r"([A-Z][A-Z0-9_]*)=([^\s\"'#][^\"'#]*)", line)
    if not m or line != line.rstrip():
        bad_lines.append(f"{n}: {line}")
    else:
        settings[m.group(1)] = m.group(2)
check(not bad_lines, "bms.env.template: every setting is NAME=value, unquoted, no inline comment" + "".join("\n    " + b for b in bad_lines))
for name, value in {
    "BMS_ENV": "production",
    "SECRET_KEY": "@SECRET_KEY@",
    "DATABASE_PATH": r"@DATA_DIR@\backup_mgmt.db",
    "LOG_DIR": "@LOG_DIR@",
    "HOST": "@HOST@",
    "PORT": "@PORT@",
    "STATIC_DIR": "@STATIC_DIR@",
}.items():
    check(settings.get(name) == value, f"bms.env.template: {name}={value}")
retired = [k for k in settings if k.startswith(("FLASK_", "GUNICORN_", "SESSION_COOKIE_"))]
check(not retired, f"bms.env.template sets no variable bms does not use {retired or ''}")

# ---------------------------------------------------------------- install.ps1
install_text = read(WIN / "install.ps1")
ascii_only("install.ps1", install_text)
scan_powershell("install.ps1", install_text)
commands_known("install.ps1", install_text)
install = code_lines(install_text)
values, resolve = resolver(install)
code = "\n".join(line for _, line in install)


def line_of(pattern, lines=install):
    for n, line in lines:
        if re.search(pattern, line):
            return n
    return None


for name, value in {
    "ServiceName": "BackupManagementSystem",
    "TaskName": "BackupManagementSystem-DbBackup",
    "OldServiceName": "bms",
    "appDir": APP,
    "exe": APP + r"\bms.exe",
    "uiDir": APP + r"\dist",
    "envFile": APP + r"\.env",
    "dataDir": DATA + r"\data",
    "logDir": DATA + r"\logs",
    "backupDir": DATA + r"\backups",
    "oldEnvFile": DATA + r"\bms.env",
}.items():
    check(values.get(name) == value, f"install.ps1: ${name} is {value} (got {values.get(name)})")

nssm_sets = {}
for _, line in install:
    m = re.fullmatch(r"Invoke-Nssm set \$ServiceName (\w+) (.+)", line)
    if m:
        nssm_sets.setdefault(m.group(1), []).append(m.group(2))
for setting, expected in NSSM_EXPECTED.items():
    got = [" ".join(resolve(part) for part in re.findall(r'\(.*?\)|"[^"]*"|\S+', raw)) for raw in nssm_sets.get(setting, [])]
    check(got == [expected], f"install.ps1: nssm set BackupManagementSystem {setting} {expected} (got {got})")
check(line_of(r"^Invoke-Nssm install \$ServiceName \$exe serve$") is not None, "install.ps1: nssm install BackupManagementSystem <bms.exe> serve")
check("function Invoke-Nssm" in install_text and "$LASTEXITCODE -ne 0" in install_text, "install.ps1: a failing nssm call stops the script")

# The scheduled task.
task_args = re.search(r'^\$taskArguments = (".*")$', code, re.M)
resolved_args = resolve(task_args.group(1)) if task_args else None
check(resolved_args == TASK_ARGUMENTS, f"install.ps1: the task runs bms.exe {TASK_ARGUMENTS} (got {resolved_args})")
check(re.search(r"New-ScheduledTaskAction -Execute \$exe -Argument \$taskArguments -WorkingDirectory \$appDir", code), "install.ps1: the task's action is bms.exe in the program folder")
check(re.search(r'New-ScheduledTaskTrigger -Daily -At "02:30"', code), "install.ps1: the task runs daily at 02:30")
check(re.search(r'New-ScheduledTaskPrincipal -UserId "NT AUTHORITY\\SYSTEM" -LogonType ServiceAccount', code), "install.ps1: the task runs as SYSTEM")
check(re.search(r"Register-ScheduledTask -TaskName \$TaskName .*-Force", code), "install.ps1: Register-ScheduledTask BackupManagementSystem-DbBackup (-Force: re-running updates it)")
check("-StartWhenAvailable" in code, "install.ps1: a missed run (computer off at 02:30) runs later")

# The .env file from the template.
check(re.search(r'\[string\] \$Template = \(Join-Path \$PSScriptRoot "bms\.env\.template"\)', code), "install.ps1: reads bms.env.template next to the script")
expected_replacements = {
    "@SECRET_KEY@": "$secret",
    "@DATA_DIR@": "$dataDir",
    "@LOG_DIR@": "$logDir",
    "@HOST@": "$ListenAddress",
    "@PORT@": "[string]$Port",
    "@STATIC_DIR@": "$uiDir",
}
for placeholder, variable in expected_replacements.items():
    check(f'$text = $text.Replace("{placeholder}", {variable})' in code, f"install.ps1 replaces {placeholder} with {variable}")
check(re.search(r'^\$secret = \(& \$exe gen-secret', code, re.M), "install.ps1: SECRET_KEY comes from bms.exe gen-secret")
optional = re.search(r'\$text\.Replace\("(# TRUSTED_PROXIES=127\.0\.0\.1)", "TRUSTED_PROXIES=127\.0\.0\.1"\)', code)
check(optional and optional.group(1) in template.splitlines(), "install.ps1 -BehindNginx uncomments a line that is in the template")
keep = line_of(r"^if \(Test-Path \$envFile\) \{$")
migrate = line_of(r"^\} elseif \(Test-Path \$oldEnvFile\) \{$")
fresh = line_of(r"^\} else \{$", [(n, l) for n, l in install if keep and n > keep])
read_template = line_of(r"ReadAllText\(\$Template\)")
write_env = [n for n, l in install if re.search(r"WriteAll\w+\(\$envFile", l)]
end_of_branch = line_of(r'^Write-Host "Wrote \$envFile from \$Template"$')
check(keep and migrate and fresh and keep < migrate < fresh < (read_template or 0) < max(write_env or [0]) < (end_of_branch or 0),
      "install.ps1: an existing .env is kept, else the previous bms.env is copied, else the template is filled and written")
check(len(write_env) == 2 and migrate < write_env[0] < fresh < write_env[1], "install.ps1: .env is written only in those two branches")
check(not re.search(r"(Set-Content|Out-File|Add-Content)[^\n]*\$envFile|\$envFile[^\n]*\|\s*(Set-Content|Out-File)", code), "install.ps1: nothing else writes .env")
check(re.search(r"ReadAllBytes\(\$oldEnvFile\)", code), "install.ps1: the previous layout's bms.env is copied, not moved")
check(re.search(r"icacls \$envFile /inheritance:r /grant:r \"\*S-1-5-32-544:F\" \"\*S-1-5-18:F\"", code), "install.ps1: .env readable by Administrators and SYSTEM only")
check(re.search(r'\$exe @\("--env-file", \$envFile, "check-config"\)', code), "install.ps1: checks the configuration with bms.exe --env-file .env check-config before starting")

# Migration from the previous layout (service "bms").
remove_old = line_of(r"^Invoke-Nssm remove \$OldServiceName confirm$")
stop_old = line_of(r"^Stop-NssmService \$OldServiceName$")
copy_exe = line_of(r"Copy-Item -Force \$Binary \$exe")
check(stop_old and remove_old and copy_exe and stop_old < remove_old < copy_exe, "install.ps1: the previous service 'bms' is stopped and removed before bms.exe is replaced")
check(line_of(r"^Stop-NssmService \$ServiceName$") < copy_exe, "install.ps1: a running BackupManagementSystem service is stopped before bms.exe is replaced")

# Firewall.
check(re.search(r"\[switch\] \$OpenFirewall", code) and re.search(r"\[switch\] \$BehindNginx", code), "install.ps1 has the switches -OpenFirewall and -BehindNginx")
check(re.search(r'\$ListenAddress = if \(\$BehindNginx\) \{ "127\.0\.0\.1" \} else \{ "0\.0\.0\.0" \}', code), "install.ps1: -BehindNginx writes HOST=127.0.0.1 (else 0.0.0.0)")
netsh = re.search(r'& netsh advfirewall firewall add rule name="\$Name" (dir=in action=allow protocol=tcp) localport=\$LocalPort', code)
check(netsh, "install.ps1: rules are added with netsh advfirewall firewall add rule name=... dir=in action=allow protocol=tcp localport=...")
nginx_rules = re.findall(r'^Add-FirewallRule "(Nginx HTTPS?)" (\d+)$', code, re.M)
check(nginx_rules == [("Nginx HTTP", "80"), ("Nginx HTTPS", "443")], f"install.ps1 -BehindNginx opens 80 and 443 as 'Nginx HTTP' / 'Nginx HTTPS' (got {nginx_rules})")
if guide_rules:
    guide_nginx = [(n, p) for n, _, p in guide_rules if n.startswith("Nginx")]
    check(nginx_rules == guide_nginx and all(d == netsh.group(1) for _, d, _ in guide_rules), f"install.ps1's nginx rules are the old guide's {guide_nginx}")
behind = line_of(r"^if \(\$BehindNginx\) \{$")
open_fw = line_of(r"^\} elseif \(\$OpenFirewall\) \{$")
check(behind and open_fw and line_of(r"^Add-FirewallRule \$FirewallRuleName \$effectivePort$") > open_fw > line_of(r'^Add-FirewallRule "Nginx HTTPS" 443$') > behind,
      "install.ps1: -OpenFirewall opens the bms port; with -BehindNginx 80/443 instead")
check(not re.search(r"New-NetFirewallRule|netsh[^\n]*add rule", code.replace('& netsh advfirewall firewall add rule name="$Name"', "")), "install.ps1 opens no port outside those switches")

# ---------------------------------------------------------------- the task XML
xml_path = WIN / "BackupManagementSystem-DbBackup.xml"
ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
try:
    task = ET.parse(xml_path).getroot()
except ET.ParseError as error:
    task = None
    check(False, f"{xml_path.name} is well-formed XML: {error}")
if task is not None:
    ascii_only(xml_path.name, read(xml_path))
    text = lambda path: (task.findtext(path, namespaces=ns) or "").strip()
    check(text("t:RegistrationInfo/t:URI") == "\\" + values.get("TaskName", "?"), f"{xml_path.name}: the task is named {values.get('TaskName')}")
    check(text("t:Actions/t:Exec/t:Command").strip('"') == values.get("exe"), f"{xml_path.name}: runs {values.get('exe')}")
    check(text("t:Actions/t:Exec/t:Arguments") == resolved_args, f"{xml_path.name}: with install.ps1's arguments {resolved_args}")
    check(text("t:Actions/t:Exec/t:WorkingDirectory") == values.get("appDir"), f"{xml_path.name}: in {values.get('appDir')}")
    check(text("t:Triggers/t:CalendarTrigger/t:StartBoundary").endswith("T02:30:00") and text("t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval") == "1",
          f"{xml_path.name}: daily at 02:30")
    check(text("t:Triggers/t:CalendarTrigger/t:RandomDelay") == "PT10M" and "-RandomDelay (New-TimeSpan -Minutes 10)" in code, f"{xml_path.name}: the same 10-minute random delay")
    check(text("t:Principals/t:Principal/t:UserId") == "S-1-5-18" and text("t:Principals/t:Principal/t:RunLevel") == "HighestAvailable", f"{xml_path.name}: as SYSTEM (S-1-5-18)")
    check(text("t:Settings/t:StartWhenAvailable") == "true" and text("t:Settings/t:ExecutionTimeLimit") == "PT2H" and "-ExecutionTimeLimit (New-TimeSpan -Hours 2)" in code,
          f"{xml_path.name}: the same settings (run when missed, 2 h limit)")
    check(text("t:Settings/t:MultipleInstancesPolicy") == "IgnoreNew" and "-MultipleInstances IgnoreNew" in code, f"{xml_path.name}: one run at a time, as install.ps1")

# ---------------------------------------------------------------- uninstall.ps1
uninstall_text = read(WIN / "uninstall.ps1")
ascii_only("uninstall.ps1", uninstall_text)
scan_powershell("uninstall.ps1", uninstall_text)
commands_known("uninstall.ps1", uninstall_text)
uninstall = code_lines(uninstall_text)
u_values, _ = resolver(uninstall)
for name in ("ServiceName", "TaskName", "FirewallRuleName", "OldServiceName", "appDir", "envFile", "dataRoot"):
    check(u_values.get(name) == values.get(name), f"uninstall.ps1: ${name} is install.ps1's ({u_values.get(name)})")
u_code = "\n".join(line for _, line in uninstall)
check(re.search(r"foreach \(\$name in @\(\$ServiceName, \$OldServiceName\)\)", u_code) and "& $nssmPath remove $name confirm" in u_code, "uninstall.ps1 removes the service (and the previous layout's 'bms')")
check("Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false" in u_code, "uninstall.ps1 removes the scheduled task")
check('netsh advfirewall firewall delete rule name="$FirewallRuleName"' in u_code, "uninstall.ps1 removes the firewall rule install.ps1 -OpenFirewall adds")
check(re.search(r"\[switch\] \$Purge", u_code), "uninstall.ps1 has -Purge")
purge = line_of(r"^if \(\$Purge\) \{$", uninstall)
purge_end = line_of(r"^\} else \{$", [(n, l) for n, l in uninstall if purge and n > purge])
data_removals = [n for n, l in uninstall if re.search(r"Remove-Item.*(\$dataRoot|\$envFile)", l)]
check(purge and data_removals and all(purge < n < purge_end for n in data_removals), "uninstall.ps1 deletes .env and C:\\ProgramData\\BackupManagementSystem only with -Purge")
check(not re.search(r"Remove-Item[^\n]*\$appDir(?![^\n]*\")", u_code.replace("Remove-Item -Force $appDir }", "")), "uninstall.ps1 never deletes the program folder with the .env in it (except an empty one with -Purge)")

# ---------------------------------------------------------------- the legacy fixture
fixture = FIXTURE.read_text(encoding="utf-8")
if guide_env is not None:
    check(fixture == guide_env, f"{FIXTURE.name} is the old guide's section 2.2 .env block, verbatim")
check("FLASK_APP=app" in fixture and r"DATABASE_PATH=C:\ProgramData\BackupManagementSystem\data\backup_mgmt.db" in fixture, f"{FIXTURE.name} has the old guide's FLASK_APP and DATABASE_PATH")

print(f"\n{passed} checks passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
