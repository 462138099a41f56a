# Run every check on Windows: lint, types, and the test suite on Qt's offscreen platform.
# Usage:  powershell -ExecutionPolicy Bypass -File scripts\test.ps1 [pytest arguments]
$ErrorActionPreference = "Stop"
& "$PSScriptRoot\setup.ps1"
Set-Location (Split-Path -Parent $PSScriptRoot)
$venv = if ($env:VENV) { $env:VENV } else { ".venv" }
$env:QT_QPA_PLATFORM = "offscreen"
$env:PYTHONUTF8 = "1"
foreach ($step in @(
        @("ruff", "check", "."),
        @("ruff", "format", "--check", "."),
        @("mypy", "safeguard_desktop/domain", "safeguard_desktop/store", "safeguard_desktop/services", "safeguard_desktop/cli"))) {
    & "$venv\Scripts\$($step[0]).exe" $step[1..($step.Length - 1)]
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
& "$venv\Scripts\python.exe" -m pytest -q @args
exit $LASTEXITCODE
