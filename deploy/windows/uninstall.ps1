<#
.SYNOPSIS
  Removes the bms Windows service and program files. The database, backups, logs and
  configuration in C:\ProgramData\BackupManagementSystem are kept unless -Purge is given.
#>
[CmdletBinding()]
param(
    [string] $Nssm = "nssm.exe",
    [int] $Port = 5000,
    [string] $ServiceName = "bms",
    [switch] $Purge
)
$ErrorActionPreference = "Stop"
$nssmPath = (Get-Command $Nssm -ErrorAction SilentlyContinue).Source
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    if ($nssmPath) {
        & $nssmPath stop $ServiceName | Out-Null
        & $nssmPath remove $ServiceName confirm | Out-Null
    } else {
        Stop-Service -Name $ServiceName -ErrorAction SilentlyContinue
        sc.exe delete $ServiceName | Out-Null
    }
}
Get-NetFirewallRule -DisplayName "bms (TCP $Port)" -ErrorAction SilentlyContinue | Remove-NetFirewallRule
Remove-Item -Recurse -Force (Join-Path $env:ProgramFiles "BackupManagementSystem") -ErrorAction SilentlyContinue
if ($Purge) {
    Remove-Item -Recurse -Force (Join-Path $env:ProgramData "BackupManagementSystem") -ErrorAction SilentlyContinue
    Write-Host "bms removed with its data."
} else {
    Write-Host "bms removed; kept C:\ProgramData\BackupManagementSystem (database, backups, logs, bms.env)."
}
