# Prepare a Windows PC to run Safeguard Desktop: a Python 3.11-3.13, then a virtual environment in .venv.
# Usage (PowerShell 5.1 or 7):  powershell -ExecutionPolicy Bypass -File scripts\setup.ps1
# Qt's wheels carry everything Qt needs on Windows: no system packages to install.
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

function Find-Python {
    # The py launcher that python.org's installer adds, newest first; then whatever "python" is.
    foreach ($v in "3.13", "3.12", "3.11") {
        if (Get-Command py -ErrorAction SilentlyContinue) {
            $exe = & py "-$v" -c "import sys; print(sys.executable)" 2>$null
            if ($LASTEXITCODE -eq 0 -and $exe) { return $exe.Trim() }
        }
    }
    if (Get-Command python -ErrorAction SilentlyContinue) {
        $ok = & python -c "import sys; print(sys.executable if (3, 11) <= sys.version_info[:2] <= (3, 13) else '')" 2>$null
        if ($LASTEXITCODE -eq 0 -and $ok) { return $ok.Trim() }
    }
    return $null
}

$python = if ($env:PYTHON) { $env:PYTHON } else { Find-Python }
if (-not $python) {
    if (Get-Command winget -ErrorAction SilentlyContinue) {
        Write-Host "Installing Python 3.12 for this account (winget)..."
        winget install --exact --id Python.Python.3.12 --scope user --silent --accept-package-agreements --accept-source-agreements
        $python = Find-Python
    }
}
if (-not $python) {
    Write-Error "Safeguard Desktop needs Python 3.11, 3.12 or 3.13: install it from https://www.python.org/downloads/windows/ (tick 'Add python.exe to PATH'), then run this again."
}

$venv = if ($env:VENV) { $env:VENV } else { ".venv" }
if (-not (Test-Path "$venv\Scripts\python.exe")) {
    & $python -m venv $venv
    if ($LASTEXITCODE -ne 0) { Write-Error "Could not make the virtual environment $venv." }
}
$hash = (Get-FileHash pyproject.toml -Algorithm SHA256).Hash.Substring(0, 16).ToLower()
$stamp = "$venv\.installed-$hash"
if (-not (Test-Path $stamp)) {
    & "$venv\Scripts\python.exe" -m pip install -q --upgrade pip
    & "$venv\Scripts\python.exe" -m pip install -q -e ".[dev]"
    if ($LASTEXITCODE -ne 0) { Write-Error "Installing the Python packages failed (see above)." }
    Remove-Item "$venv\.installed-*" -ErrorAction SilentlyContinue
    New-Item -ItemType File $stamp | Out-Null
}
