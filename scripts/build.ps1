# Build the Windows app: dist\SafeguardDesktop\ (SafeguardDesktop.exe and the safeguard.exe command line), then,
# when Inno Setup 6 is installed (winget install JRSoftware.InnoSetup), the installer in dist\installer\.
# Usage:  powershell -ExecutionPolicy Bypass -File scripts\build.ps1
$ErrorActionPreference = "Stop"
& "$PSScriptRoot\setup.ps1"
Set-Location (Split-Path -Parent $PSScriptRoot)
$venv = if ($env:VENV) { $env:VENV } else { ".venv" }
& "$venv\Scripts\python.exe" -m pip install -q -e ".[build]"
& "$venv\Scripts\pyinstaller.exe" --noconfirm build.spec
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
# The packaged command line must answer before anything is shipped.
& "dist\SafeguardDesktop\safeguard.exe" --help | Out-Null
if ($LASTEXITCODE -ne 0) { Write-Error "The packaged safeguard.exe does not start." }
$version = (Select-String -Path pyproject.toml -Pattern '^version = "(.+)"').Matches[0].Groups[1].Value
$iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") |
    Where-Object { Test-Path $_ } | Select-Object -First 1
if ($iscc) {
    & $iscc "/DAppVersion=$version" installer\SafeguardDesktop.iss
    exit $LASTEXITCODE
}
Write-Host "Built dist\SafeguardDesktop. Install Inno Setup 6 to make the installer (installer\SafeguardDesktop.iss)."
