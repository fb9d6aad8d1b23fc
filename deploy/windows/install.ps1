<#
.SYNOPSIS
  Installs bms as a Windows service with NSSM (as in the deployment guide).

.DESCRIPTION
  Creates C:\Program Files\BackupManagementSystem (bms.exe and the web UI) and
  C:\ProgramData\BackupManagementSystem\{data,logs}, writes the env file with a generated
  SECRET_KEY (never overwriting an existing one; readable by Administrators and SYSTEM
  only), registers the "bms" service with NSSM (stdout/stderr to logs, rotation on), opens
  the firewall port, and starts the service. Running it again upgrades bms.exe and the UI
  and keeps the configuration and the database.

.EXAMPLE
  .\install.ps1 -Binary .\bms.exe -Dist .\dist -Nssm C:\tools\nssm.exe -Port 5000
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $Binary,
    [Parameter(Mandatory = $true)] [string] $Dist,
    [string] $Nssm = "nssm.exe",
    [int] $Port = 5000,
    # 127.0.0.1 when IIS or nginx for Windows proxies bms; 0.0.0.0 to serve the LAN directly.
    [string] $ListenAddress = "0.0.0.0",
    [string] $ServiceName = "bms"
)
$ErrorActionPreference = "Stop"

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this script in an elevated PowerShell (Run as administrator)."
}
if (-not (Test-Path $Binary)) { throw "No bms.exe at $Binary" }
if (-not (Test-Path (Join-Path $Dist "index.html"))) { throw "No built web UI at $Dist" }
$nssmPath = (Get-Command $Nssm -ErrorAction SilentlyContinue).Source
if (-not $nssmPath) { throw "NSSM not found: download it from https://nssm.cc and pass -Nssm <path>\nssm.exe" }

$appDir = Join-Path $env:ProgramFiles "BackupManagementSystem"
$dataRoot = Join-Path $env:ProgramData "BackupManagementSystem"
$dataDir = Join-Path $dataRoot "data"
$logDir = Join-Path $dataRoot "logs"
$envFile = Join-Path $dataRoot "bms.env"

foreach ($dir in @($appDir, $dataRoot, $dataDir, $logDir)) {
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
}

# Stop a running service before replacing its binary.
$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($existing -and $existing.Status -eq "Running") {
    & $nssmPath stop $ServiceName | Out-Null
}
Copy-Item -Force $Binary (Join-Path $appDir "bms.exe")
$uiDir = Join-Path $appDir "dist"
if (Test-Path $uiDir) { Remove-Item -Recurse -Force $uiDir }
Copy-Item -Recurse -Force $Dist $uiDir

if (Test-Path $envFile) {
    Write-Host "Keeping the existing $envFile"
} else {
    $secret = (& (Join-Path $appDir "bms.exe") gen-secret).Trim()
    $lines = @(
        "# bms configuration; every variable is described in docs/DEPLOYMENT.md.",
        "BMS_ENV=production",
        "SECRET_KEY=$secret",
        "DATABASE_PATH=$dataDir\bms.db",
        "LOG_DIR=$logDir",
        "HOST=$ListenAddress",
        "PORT=$Port",
        "STATIC_DIR=$uiDir",
        "DEFAULT_TIMEZONE=Asia/Tokyo"
    )
    Set-Content -Path $envFile -Value $lines -Encoding ASCII
}
# The env file holds the secret key: Administrators and SYSTEM (the service) only.
icacls $envFile /inheritance:r /grant:r "*S-1-5-32-544:F" "*S-1-5-18:F" | Out-Null
icacls $dataDir /inheritance:r /grant:r "*S-1-5-32-544:(OI)(CI)F" "*S-1-5-18:(OI)(CI)F" | Out-Null

if (-not $existing) {
    & $nssmPath install $ServiceName (Join-Path $appDir "bms.exe") serve | Out-Null
}
& $nssmPath set $ServiceName AppDirectory $dataRoot | Out-Null
& $nssmPath set $ServiceName DisplayName "bms - Backup Management System" | Out-Null
& $nssmPath set $ServiceName Description "Tracks backup jobs, results and 3-2-1-1-0 compliance." | Out-Null
& $nssmPath set $ServiceName Start SERVICE_AUTO_START | Out-Null
# bms reads .env from its working directory: point it at the env file.
& $nssmPath set $ServiceName AppEnvironmentExtra "BMS_ENV_FILE=$envFile" | Out-Null
& $nssmPath set $ServiceName AppStdout (Join-Path $logDir "service.log") | Out-Null
& $nssmPath set $ServiceName AppStderr (Join-Path $logDir "service.log") | Out-Null
& $nssmPath set $ServiceName AppRotateFiles 1 | Out-Null
& $nssmPath set $ServiceName AppRotateBytes 10485760 | Out-Null
# Ctrl-C first: bms finishes in-flight requests before it exits.
& $nssmPath set $ServiceName AppStopMethodConsole 30000 | Out-Null
& $nssmPath set $ServiceName AppExit Default Restart | Out-Null

if (-not (Get-NetFirewallRule -DisplayName "bms (TCP $Port)" -ErrorAction SilentlyContinue)) {
    New-NetFirewallRule -DisplayName "bms (TCP $Port)" -Direction Inbound -Protocol TCP -LocalPort $Port -Action Allow | Out-Null
}

& $nssmPath start $ServiceName | Out-Null
Write-Host "bms is running on port $Port. The first administrator's password is in $logDir\service.log (search for 'FIRST START')."
