# Run Safeguard Desktop on Windows (installs what it needs first). With no data yet it offers the demo school.
# Usage:  powershell -ExecutionPolicy Bypass -File scripts\app.ps1 [--demo]
$ErrorActionPreference = "Stop"
& "$PSScriptRoot\setup.ps1"
Set-Location (Split-Path -Parent $PSScriptRoot)
$venv = if ($env:VENV) { $env:VENV } else { ".venv" }
& "$venv\Scripts\safeguard-desktop.exe" @args
exit $LASTEXITCODE
