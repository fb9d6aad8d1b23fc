<#
.SYNOPSIS
  Removes what install.ps1 set up: the service "BackupManagementSystem", the scheduled task
  "BackupManagementSystem-DbBackup", the firewall rule "Backup Management System", bms.exe
  and the web UI.

.DESCRIPTION
  Kept unless -Purge is given: the configuration C:\Program Files\BackupManagementSystem\.env
  and C:\ProgramData\BackupManagementSystem (database, backups, logs), so installing again
  finds everything as it was. -Purge deletes them too.
  The old guide's nginx rules ("Nginx HTTP", "Nginx HTTPS") are left alone: nginx is a
  separate program. The service "bms" of the previous bms layout is removed if present.

.EXAMPLE
  .\uninstall.ps1 -Nssm C:\tools\nssm.exe

.EXAMPLE
  .\uninstall.ps1 -Nssm C:\tools\nssm.exe -Purge
#>
[CmdletBinding()]
param(
    [string] $Nssm = "nssm.exe",
    [switch] $Purge
)
$ErrorActionPreference = "Stop"

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this script in an elevated PowerShell (Run as administrator)."
}

$ServiceName = "BackupManagementSystem"
$TaskName = "BackupManagementSystem-DbBackup"
$FirewallRuleName = "Backup Management System"
$OldServiceName = "bms"
$appDir = Join-Path $env:ProgramFiles "BackupManagementSystem"
$envFile = Join-Path $appDir ".env"
$dataRoot = Join-Path $env:ProgramData "BackupManagementSystem"
$nssmPath = (Get-Command $Nssm -ErrorAction SilentlyContinue).Source

foreach ($name in @($ServiceName, $OldServiceName)) {
    $service = Get-Service -Name $name -ErrorAction SilentlyContinue
    if (-not $service) { continue }
    if ($nssmPath) {
        if ($service.Status -ne "Stopped") { & $nssmPath stop $name | Out-Null }
        & $nssmPath remove $name confirm | Out-Null
    } else {
        Stop-Service -Name $name -ErrorAction SilentlyContinue
        sc.exe delete $name | Out-Null
    }
    if ($LASTEXITCODE -ne 0) { throw "Could not remove the service '$name'" }
    Write-Host "Removed the service '$name'"
}

if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
    Write-Host "Removed the scheduled task '$TaskName'"
}

& netsh advfirewall firewall show rule name="$FirewallRuleName" | Out-Null
if ($LASTEXITCODE -eq 0) {
    & netsh advfirewall firewall delete rule name="$FirewallRuleName" | Out-Null
    Write-Host "Removed the firewall rule '$FirewallRuleName'"
}
# The previous layout's rule.
Get-NetFirewallRule -DisplayName "bms (TCP *)" -ErrorAction SilentlyContinue | Remove-NetFirewallRule

Remove-Item -Force (Join-Path $appDir "bms.exe") -ErrorAction SilentlyContinue
Remove-Item -Recurse -Force (Join-Path $appDir "dist") -ErrorAction SilentlyContinue
if ($Purge) {
    Remove-Item -Force $envFile -ErrorAction SilentlyContinue
    # Only if nothing else is left (a venv of the old system stays, for example).
    if ((Test-Path $appDir) -and -not (Get-ChildItem -Force $appDir)) { Remove-Item -Force $appDir }
    Remove-Item -Recurse -Force $dataRoot -ErrorAction SilentlyContinue
    Write-Host "bms removed with its configuration and data."
} else {
    Write-Host "bms removed; kept $envFile and $dataRoot (database, backups, logs). -Purge deletes them."
}
