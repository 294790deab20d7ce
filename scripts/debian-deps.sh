#!/usr/bin/env bash
# Checks the Debian libraries Qt, QtMultimedia and a real X window need, the desktop
# validators the packaging tests use, PulseAudio (the playback tests start a private one
# with a null sink and record what reaches it) and the offline engine's sampled
# instruments (libfluidsynth3 and the FluidR3_GM SoundFont, MIT licensed). As root it
# installs what is missing; otherwise it prints the exact apt-get line and fails, so
# nobody meets a cryptic Qt plugin error later.
set -u
PKGS="libpulse0 libasound2 pulseaudio pulseaudio-utils xvfb xauth libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
libxcb-xkb1 libxcb-xfixes0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0
desktop-file-utils appstream shared-mime-info python3-venv
libfluidsynth3 fluid-soundfont-gm"
command -v dpkg-query >/dev/null 2>&1 || { echo "debian-deps: not a Debian/Ubuntu system; install the equivalents of: $(echo $PKGS)"; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "debian-deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit $?
fi
echo "debian-deps: missing Debian packages. Run:"
echo "  sudo apt-get update && sudo apt-get install -y$missing"
exit 1
