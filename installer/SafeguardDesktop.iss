; Inno Setup 6 script: the Windows installer for the one-folder build (scripts\build.ps1 runs it).
; Installs per machine into Program Files, adds Start-menu shortcuts, and puts safeguard.exe (the command line)
; on the PATH for the daily "safeguard backup --if-due" task. The register is never inside the install folder:
; it lives in the folder chosen on the first run, so uninstalling or upgrading never touches it.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6E0F6B7C-6A55-4B8E-9C1B-5AFE6DA2D001}
AppName=Safeguard Desktop
AppVersion={#AppVersion}
AppPublisher=Safeguard Desktop
DefaultDirName={autopf}\Safeguard Desktop
DefaultGroupName=Safeguard Desktop
OutputDir=..\dist\installer
OutputBaseFilename=SafeguardDesktop-{#AppVersion}-setup
SetupIconFile=..\safeguard_desktop\_resources\icons\app.ico
UninstallDisplayIcon={app}\SafeguardDesktop.exe
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ChangesEnvironment=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "..\dist\SafeguardDesktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Safeguard Desktop"; Filename: "{app}\SafeguardDesktop.exe"
Name: "{group}\Safeguard Desktop (demo school)"; Filename: "{app}\SafeguardDesktop.exe"; Parameters: "--demo"
Name: "{autodesktop}\Safeguard Desktop"; Filename: "{app}\SafeguardDesktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "A shortcut on the desktop"; Flags: unchecked

[Registry]
; safeguard.exe on the PATH (machine-wide installs only), for scheduled backups and IT scripts.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; \
  ValueName: "Path"; ValueData: "{olddata};{app}"; Check: IsAdminInstallMode and NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\SafeguardDesktop.exe"; Description: "Start Safeguard Desktop"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKLM, 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Paths) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;
