#!/usr/bin/env bash
# Install everything Avatar Player needs on a fresh Debian/Ubuntu machine:
# system libraries (PortAudio, libsndfile, Mesa EGL/GL, Xvfb and the libxcb set Qt needs,
# espeak-ng as the fallback TTS) and the Python package (with Piper TTS and its bundled
# voice) in editable mode with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    libportaudio2 libsndfile1 espeak-ng \
    libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri \
    xvfb xauth x11-utils desktop-file-utils libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 \
    libxcb-image0 libxcb-xinerama0 libxcb-randr0

python -m pip install --quiet -e ".[test]"
