<#
.SYNOPSIS
  Installs bms as the Windows service "BackupManagementSystem" with NSSM, as the old
  deployment guide did (same service name, folders, .env file and NSSM log settings).

.DESCRIPTION
  - C:\Program Files\BackupManagementSystem: bms.exe, the web UI (dist\) and the .env file.
  - C:\ProgramData\BackupManagementSystem: data\backup_mgmt.db, logs\ (app.log and
    error.log from NSSM, bms.log from bms) and backups\ (nightly database copies).
  - The .env file is written from bms.env.template (next to this script) with a generated
    SECRET_KEY when it does not exist; an existing .env is never overwritten. It is
    readable by Administrators and SYSTEM only.
  - The service runs "bms.exe serve" with BMS_ENV_FILE pointing at the .env file; NSSM
    writes its output to app.log / error.log and rotates them daily and at 100 MB.
  - The scheduled task "BackupManagementSystem-DbBackup" copies the database every night at
    02:30 (as SYSTEM) to C:\ProgramData\BackupManagementSystem\backups and keeps 14 copies.
  - -OpenFirewall opens the bms port in Windows Firewall; -BehindNginx makes bms listen on
    127.0.0.1 only and opens 80 and 443 for nginx instead (the old guide's netsh rules).
  - Upgrading from the previous bms layout (service "bms", configuration in
    C:\ProgramData\BackupManagementSystem\bms.env): the old service is stopped and
    removed, and bms.env is copied to the new .env when there is none yet (bms.env stays).
  - A service "BackupManagementSystem" installed by the old guide (python.exe -m flask
    run) is switched to bms.exe; its .env is kept (bms reads the old guide's variables).
  Running the script again upgrades bms.exe and the web UI and keeps the configuration,
  the database and the logs.

.EXAMPLE
  .\install.ps1 -Binary .\bms.exe -Dist .\dist -Nssm C:\tools\nssm.exe -OpenFirewall

.EXAMPLE
  .\install.ps1 -Binary .\bms.exe -Dist .\dist -Nssm C:\tools\nssm.exe -BehindNginx
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $Binary,
    [Parameter(Mandatory = $true)] [string] $Dist,
    [string] $Nssm = "nssm.exe",
    # Written to a new .env only; an existing .env keeps its PORT and HOST.
    [int] $Port = 5000,
    # Default 0.0.0.0 (every interface), or 127.0.0.1 with -BehindNginx.
    [string] $ListenAddress = "",
    # Open the bms port (PORT of the .env) in Windows Firewall.
    [switch] $OpenFirewall,
    # nginx on this server forwards to bms: listen on 127.0.0.1, open 80 and 443 instead.
    [switch] $BehindNginx,
    [string] $Template = (Join-Path $PSScriptRoot "bms.env.template")
)
$ErrorActionPreference = "Stop"

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this script in an elevated PowerShell (Run as administrator)."
}
if (-not (Test-Path $Binary -PathType Leaf)) { throw "No bms.exe at $Binary" }
if (-not (Test-Path (Join-Path $Dist "index.html"))) { throw "No built web UI (index.html) in $Dist" }
if (-not (Test-Path $Template -PathType Leaf)) { throw "No env file template at $Template (copy bms.env.template next to install.ps1)" }
$Binary = (Resolve-Path $Binary).Path
$Dist = (Resolve-Path $Dist).Path
$Template = (Resolve-Path $Template).Path
$nssmPath = (Get-Command $Nssm -ErrorAction SilentlyContinue).Source
if (-not $nssmPath) { throw "NSSM not found: download it from https://nssm.cc and pass -Nssm <path>\nssm.exe" }
if (-not $ListenAddress) {
    $ListenAddress = if ($BehindNginx) { "127.0.0.1" } else { "0.0.0.0" }
}

$ServiceName = "BackupManagementSystem"
$TaskName = "BackupManagementSystem-DbBackup"
$FirewallRuleName = "Backup Management System"
$appDir = Join-Path $env:ProgramFiles "BackupManagementSystem"
$exe = Join-Path $appDir "bms.exe"
$uiDir = Join-Path $appDir "dist"
$envFile = Join-Path $appDir ".env"
$dataRoot = Join-Path $env:ProgramData "BackupManagementSystem"
$dataDir = Join-Path $dataRoot "data"
$logDir = Join-Path $dataRoot "logs"
$backupDir = Join-Path $dataRoot "backups"
# The previous bms layout.
$OldServiceName = "bms"
$oldEnvFile = Join-Path $dataRoot "bms.env"

# Runs nssm and stops the script when it fails.
function Invoke-Nssm {
    & $nssmPath @args | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "nssm $($args -join ' ') failed (exit code $LASTEXITCODE)" }
}

# Runs a program, returning its exit code and its output (stdout and stderr) as text.
function Invoke-Captured([string] $Program, [string[]] $Arguments) {
    $previous = $ErrorActionPreference
    # Windows PowerShell turns redirected stderr lines into errors: collect them as text.
    $ErrorActionPreference = "Continue"
    try {
        $output = & $Program @Arguments 2>&1 | ForEach-Object { "$_" }
        $code = $LASTEXITCODE
    } finally {
        $ErrorActionPreference = $previous
    }
    return [pscustomobject]@{ ExitCode = $code; Output = @($output) }
}

# Adds an inbound TCP rule as the old guide did, unless a rule with that name exists.
function Add-FirewallRule([string] $Name, [int] $LocalPort) {
    & netsh advfirewall firewall show rule name="$Name" | Out-Null
    if ($LASTEXITCODE -eq 0) {
        Write-Host "Windows Firewall: keeping the existing rule '$Name'"
        return
    }
    & netsh advfirewall firewall add rule name="$Name" dir=in action=allow protocol=tcp localport=$LocalPort | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "netsh could not add the firewall rule '$Name' (TCP $LocalPort)" }
    Write-Host "Windows Firewall: opened TCP $LocalPort ('$Name')"
}

function Stop-NssmService([string] $Name) {
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    if ($service -and $service.Status -ne "Stopped") {
        & $nssmPath stop $Name | Out-Null
        $service.WaitForStatus("Stopped", (New-TimeSpan -Seconds 60))
    }
}

# 1. The previous bms layout: service "bms" (same bms.exe path) goes away first.
if (Get-Service -Name $OldServiceName -ErrorAction SilentlyContinue) {
    Write-Host "Removing the service '$OldServiceName' of the previous bms layout"
    Stop-NssmService $OldServiceName
    Invoke-Nssm remove $OldServiceName confirm
}
$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
Stop-NssmService $ServiceName

# 2. Program files, data folders.
foreach ($dir in @($appDir, $dataRoot, $dataDir, $logDir, $backupDir)) {
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
}
for ($attempt = 1; ; $attempt++) {
    try {
        Copy-Item -Force $Binary $exe
        break
    } catch {
        # The stopped process may hold bms.exe for a moment.
        if ($attempt -ge 10) { throw }
        Start-Sleep -Seconds 2
    }
}
if (Test-Path $uiDir) { Remove-Item -Recurse -Force $uiDir }
Copy-Item -Recurse -Force $Dist $uiDir

# 3. The .env file: keep it, take over the previous layout's bms.env, or write a new one.
if (Test-Path $envFile) {
    Write-Host "Keeping the existing $envFile (-Port, -ListenAddress and -BehindNginx apply to a new one only)"
} elseif (Test-Path $oldEnvFile) {
    New-Item -ItemType File -Force -Path $envFile | Out-Null
    icacls $envFile /inheritance:r /grant:r "*S-1-5-32-544:F" "*S-1-5-18:F" | Out-Null
    [IO.File]::WriteAllBytes($envFile, [IO.File]::ReadAllBytes($oldEnvFile))
    Write-Host "Copied the previous configuration $oldEnvFile to $envFile (the original is kept)"
} else {
    $secret = (& $exe gen-secret | Out-String).Trim()
    if ($LASTEXITCODE -ne 0 -or -not $secret) { throw "bms.exe gen-secret failed" }
    $text = [IO.File]::ReadAllText($Template)
    $text = $text.Replace("@SECRET_KEY@", $secret)
    $text = $text.Replace("@DATA_DIR@", $dataDir)
    $text = $text.Replace("@LOG_DIR@", $logDir)
    $text = $text.Replace("@HOST@", $ListenAddress)
    $text = $text.Replace("@PORT@", [string]$Port)
    $text = $text.Replace("@STATIC_DIR@", $uiDir)
    if ($BehindNginx) {
        $text = $text.Replace("# TRUSTED_PROXIES=127.0.0.1", "TRUSTED_PROXIES=127.0.0.1")
    }
    if ($text -cmatch "@[A-Z_]+@") { throw "$Template has a placeholder install.ps1 does not know: $($Matches[0])" }
    # CRLF for Notepad; UTF-8 without a byte order mark.
    $text = $text -replace "`r?`n", "`r`n"
    # Restrict the file before the secret goes in.
    New-Item -ItemType File -Force -Path $envFile | Out-Null
    icacls $envFile /inheritance:r /grant:r "*S-1-5-32-544:F" "*S-1-5-18:F" | Out-Null
    [IO.File]::WriteAllText($envFile, $text, (New-Object System.Text.UTF8Encoding($false)))
    Write-Host "Wrote $envFile from $Template"
}
# The .env file holds the secret key; data and backups hold the database:
# Administrators and SYSTEM (the service account) only.
icacls $envFile /inheritance:r /grant:r "*S-1-5-32-544:F" "*S-1-5-18:F" | Out-Null
foreach ($dir in @($dataDir, $backupDir)) {
    icacls $dir /inheritance:r /grant:r "*S-1-5-32-544:(OI)(CI)F" "*S-1-5-18:(OI)(CI)F" | Out-Null
}

# 4. Check the configuration before the service uses it (this also reports the old
#    guide's variables that bms does not use).
$check = Invoke-Captured $exe @("--env-file", $envFile, "check-config")
$check.Output | ForEach-Object { Write-Host "  $_" }
if ($check.ExitCode -ne 0) { throw "The configuration in $envFile is invalid (see above); fix it and run install.ps1 again." }
$effectivePort = [int](($check.Output | Where-Object { $_ -match "^PORT=" } | Select-Object -First 1) -replace "^PORT=", "")
$effectiveHost = ($check.Output | Where-Object { $_ -match "^HOST=" } | Select-Object -First 1) -replace "^HOST=", ""
if ($BehindNginx -and $effectiveHost -ne "127.0.0.1" -and $effectiveHost -ne "localhost") {
    Write-Warning "$envFile has HOST=${effectiveHost}: set HOST=127.0.0.1 so bms is reached through nginx only."
}

# 5. The service, with the old guide's NSSM settings.
if (-not $existing) {
    Invoke-Nssm install $ServiceName $exe serve
}
# Also switches a service of the old guide (python.exe -m flask run) to bms.exe.
Invoke-Nssm set $ServiceName Application $exe
Invoke-Nssm set $ServiceName AppParameters serve
Invoke-Nssm set $ServiceName AppDirectory $appDir
Invoke-Nssm set $ServiceName DisplayName "Backup Management System"
Invoke-Nssm set $ServiceName Description "bms: tracks backup jobs, results and 3-2-1-1-0 compliance."
Invoke-Nssm set $ServiceName Start SERVICE_AUTO_START
# Replaces the whole extra environment (the old guide's FLASK_APP / FLASK_ENV go away).
Invoke-Nssm set $ServiceName AppEnvironmentExtra "BMS_ENV_FILE=$envFile"
Invoke-Nssm set $ServiceName AppStdout (Join-Path $logDir "app.log")
Invoke-Nssm set $ServiceName AppStderr (Join-Path $logDir "error.log")
# Log rotation exactly as the old guide: daily, at 100 MB, also while the service runs.
Invoke-Nssm set $ServiceName AppRotateFiles 1
Invoke-Nssm set $ServiceName AppRotateOnline 1
Invoke-Nssm set $ServiceName AppRotateSeconds 86400
Invoke-Nssm set $ServiceName AppRotateBytes 104857600
# Ctrl-C first: bms finishes the requests in flight before it exits.
Invoke-Nssm set $ServiceName AppStopMethodConsole 30000
Invoke-Nssm set $ServiceName AppExit Default Restart

# 6. Nightly database copy at 02:30 as SYSTEM, 14 kept (the same task is in
#    BackupManagementSystem-DbBackup.xml for Task Scheduler's "Import Task").
$taskArguments = "--env-file `"$envFile`" db backup --dir `"$backupDir`" --keep 14"
$action = New-ScheduledTaskAction -Execute $exe -Argument $taskArguments -WorkingDirectory $appDir
$trigger = New-ScheduledTaskTrigger -Daily -At "02:30" -RandomDelay (New-TimeSpan -Minutes 10)
$taskPrincipal = New-ScheduledTaskPrincipal -UserId "NT AUTHORITY\SYSTEM" -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 2)
Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Principal $taskPrincipal -Settings $settings `
    -Description "Backup Management System: nightly copy of the database to $backupDir (14 kept)." -Force | Out-Null
Write-Host "Scheduled task '$TaskName': daily at 02:30, bms.exe $taskArguments"

# 7. Windows Firewall (the old guide's rules).
if ($BehindNginx) {
    Add-FirewallRule "Nginx HTTP" 80
    Add-FirewallRule "Nginx HTTPS" 443
    & netsh advfirewall firewall show rule name="Flask Application" | Out-Null
    if ($LASTEXITCODE -eq 0) {
        Write-Warning "The old guide's rule 'Flask Application' still opens its port to the network; nginx needs only 80/443: netsh advfirewall firewall delete rule name=`"Flask Application`""
    }
} elseif ($OpenFirewall) {
    # Re-created each time so it follows PORT.
    & netsh advfirewall firewall delete rule name="$FirewallRuleName" | Out-Null
    Add-FirewallRule $FirewallRuleName $effectivePort
} else {
    Write-Host "Windows Firewall unchanged (-OpenFirewall opens TCP $effectivePort, -BehindNginx opens 80/443)."
}

# 8. Start and wait for /health.
Invoke-Nssm start $ServiceName
$probeHost = if ($effectiveHost -in @("0.0.0.0", "::", "[::]", "")) { "127.0.0.1" } else { $effectiveHost }
$healthy = $false
for ($i = 0; $i -lt 30 -and -not $healthy; $i++) {
    Start-Sleep -Seconds 1
    try {
        $response = Invoke-WebRequest -UseBasicParsing -TimeoutSec 2 "http://${probeHost}:$effectivePort/health"
        $healthy = $response.StatusCode -eq 200
    } catch {
        $healthy = $false
    }
}
$errorLog = Join-Path $logDir "error.log"
if (-not $healthy) {
    if (Test-Path $errorLog) { Get-Content $errorLog -Tail 30 | ForEach-Object { Write-Host "  $_" } }
    throw "bms did not answer http://${probeHost}:$effectivePort/health within 30 s; see $errorLog (above) and $logDir\bms.log."
}
Write-Host "bms is running: http://${probeHost}:$effectivePort/ (service $ServiceName)."
Write-Host "On the first start the administrator's one-time password is in $errorLog and $logDir\bms.log (search for 'FIRST START')."
