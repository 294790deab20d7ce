#!/usr/bin/env bash
# Install the built app (make dist) for this user, or remove it again.
#
#   packaging/install-local.sh [--prefix DIR] [--dist DIR]      install (default ~/.local)
#   packaging/install-local.sh --uninstall [--prefix DIR]       remove (= uninstall-local.sh)
#
# Installs
#   PREFIX/lib/muzaic-studio/                      the one-folder app (replaced as a whole)
#   PREFIX/bin/muzaic-studio                       symlink to the app's executable
#   PREFIX/share/applications/muzaic-studio.desktop   Exec= the absolute symlink path, so
#                                                  it works when ~/.local/bin is not on the
#                                                  desktop session's PATH
#   PREFIX/share/icons/hicolor/{N}x{N},scalable/apps/muzaic-studio.{png,svg}
#   PREFIX/share/mime/packages/muzaic-studio.xml   *.muzaic -> application/x-muzaic-project
#   PREFIX/share/metainfo/ai.muzaic.studio.metainfo.xml
# then refreshes the desktop, MIME and icon caches with whichever of
# update-desktop-database, update-mime-database, gtk-update-icon-cache exist.
# Needs nothing but coreutils and sed; files outside these paths are never touched.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PREFIX="${HOME}/.local"
DIST="$ROOT/dist/muzaic-studio"
MODE=install
APP=muzaic-studio
APPSTREAM_ID=ai.muzaic.studio

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a folder}"; shift 2 ;;
    --dist) DIST="${2:?--dist needs a folder}"; shift 2 ;;
    --uninstall) MODE=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-local: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

[ -n "$PREFIX" ] && [ "$PREFIX" != "/" ] || { echo "install-local: refusing prefix '$PREFIX'" >&2; exit 2; }
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
APPDIR="$PREFIX/lib/$APP"
BIN="$PREFIX/bin/$APP"
SHARE="$PREFIX/share"
DESKTOP="$SHARE/applications/$APP.desktop"
MIME="$SHARE/mime/packages/$APP.xml"
METAINFO="$SHARE/metainfo/$APPSTREAM_ID.metainfo.xml"
ICON_SRC="$ROOT/resources/icons"

refresh_caches() {
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$SHARE/applications" || true
  fi
  if command -v update-mime-database >/dev/null 2>&1 && [ -d "$SHARE/mime/packages" ]; then
    update-mime-database "$SHARE/mime" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -d "$SHARE/icons/hicolor" ]; then
    gtk-update-icon-cache -q -f -t "$SHARE/icons/hicolor" || true
  fi
}

icon_files() {  # every icon path this script installs, relative to $SHARE/icons
  local dir
  for dir in "$ICON_SRC"/hicolor/*/apps; do
    [ -f "$dir/$APP.png" ] && echo "hicolor/$(basename "$(dirname "$dir")")/apps/$APP.png"
  done
  echo "hicolor/scalable/apps/$APP.svg"
}

if [ "$MODE" = uninstall ]; then
  # Only remove the app folder if it is ours (holds our executable).
  if [ -d "$APPDIR" ]; then
    if [ -x "$APPDIR/$APP" ] && [ -d "$APPDIR/_internal" ]; then
      rm -rf -- "$APPDIR"
    else
      echo "install-local: $APPDIR does not look like a Muzaic Studio build; left alone" >&2
    fi
  fi
  if [ -L "$BIN" ]; then rm -f -- "$BIN"; fi
  rm -f -- "$DESKTOP" "$MIME" "$METAINFO"
  while read -r icon; do rm -f -- "$SHARE/icons/$icon"; done < <(icon_files)
  refresh_caches
  echo "Removed Muzaic Studio from $PREFIX (your projects, settings, cache and log are kept)."
  exit 0
fi

if [ ! -x "$DIST/$APP" ]; then
  echo "install-local: no built app at $DIST; run 'make dist' first" >&2
  exit 1
fi

# The app folder: copy next to the old one, then swap, so a failed copy leaves the old one.
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
rm -rf -- "$APPDIR.new"
cp -a "$DIST" "$APPDIR.new"
rm -rf -- "$APPDIR"
mv -- "$APPDIR.new" "$APPDIR"
ln -sfn "$APPDIR/$APP" "$BIN"

mkdir -p "$(dirname "$DESKTOP")"
sed -e "s|^Exec=$APP |Exec=$BIN |" -e "s|^TryExec=$APP\$|TryExec=$BIN|" \
  "$HERE/linux/$APP.desktop" > "$DESKTOP"
install -D -m 644 "$HERE/linux/$APP-mime.xml" "$MIME"
install -D -m 644 "$HERE/linux/$APPSTREAM_ID.metainfo.xml" "$METAINFO"
while read -r icon; do
  case "$icon" in
    */scalable/*) install -D -m 644 "$ICON_SRC/$APP.svg" "$SHARE/icons/$icon" ;;
    *) install -D -m 644 "$ICON_SRC/$icon" "$SHARE/icons/$icon" ;;
  esac
done < <(icon_files)

refresh_caches
echo "Installed Muzaic Studio to $APPDIR"
echo "  command: $BIN$(case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo " (add $PREFIX/bin to PATH to type 'muzaic-studio')";; esac)"
echo "  menu entry, icons and the .muzaic file type are registered for this user."
if [ "$PREFIX" = "$HOME/.local" ]; then
  echo "  remove with: packaging/uninstall-local.sh"
else
  echo "  remove with: packaging/uninstall-local.sh --prefix $PREFIX"
fi
