#!/usr/bin/env bash
# Renders the PDF pictures of the README and docs/documents.md from real exgen output:
#   pdf-worksheet.png  page 1 of a worksheet of the default bank (dl-math-basics)
#   pdf-key.png        page 1 of its answer key
#   pdf-class.png      a class PDF where one student ends and the next begins (blank back page between)
#   pdf-names.png      the top of the first page of six students whose names are in six scripts
#   pdf-worksheet-ko.png  page 1 of a Korean worksheet (the Korean example bank, XeLaTeX with kotex)
# Needs exgen (python -m exgen), TeX Live with XeLaTeX (see .ci/run), qpdf and poppler-utils.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "keeping $tmp"
python="${PYTHON:-python3}"

"$python" -m exgen generate --count 1 --format pdf --out "$tmp/one" -q
pdftoppm -png -r 70 -f 1 -l 1 -singlefile "$tmp/one/pdf/student-001-worksheet.pdf" "$here/pdf-worksheet"
pdftoppm -png -r 70 -f 1 -l 1 -singlefile "$tmp/one/pdf/student-001-key.pdf" "$here/pdf-key"

printf '학번,이름\n2026001,김민준\n' > "$tmp/ko.csv"
"$python" -m exgen generate dl-math-basics-ko --roster "$tmp/ko.csv" --format pdf --out "$tmp/ko" -q
pdftoppm -png -r 70 -f 1 -l 1 -singlefile "$tmp/ko/pdf/2026001-worksheet.pdf" "$here/pdf-worksheet-ko"

printf 'id,name\ns01,김민준\ns02,Zoë Ångström\ns03,王秀英\ns04,Γιώργος Παπαδόπουλος\ns05,Дмитрий Иванов\ns06,Nguyễn Văn Đức\n' \
  > "$tmp/class.csv"
"$python" -m exgen generate --roster "$tmp/class.csv" --format pdf --combined --out "$tmp/class" -q
class="$tmp/class/pdf/class-worksheets.pdf"
# the pages around the first student boundary: the first student's last page, the padding, the next first page
last=$(qpdf --show-npages "$tmp/class/pdf/s01-worksheet.pdf")
if [ $((last % 2)) -eq 1 ]; then pages="$last,$((last + 1)),$((last + 2))"; else pages="$((last - 1)),$last,$((last + 1))"; fi
starts=$(pdftotext "$class" - | awk 'BEGIN{RS="\f"} /Page 1 of/{printf "%s,", NR}' | sed 's/,$//')
cat > "$tmp/boundary.tex" <<TEX
\documentclass{article}
\usepackage[paperwidth=62cm,paperheight=30.2cm,margin=0.3cm]{geometry}
\usepackage{graphicx,pgffor}
\pagestyle{empty}
\begin{document}
\noindent\foreach\p in {$pages}{\fbox{\includegraphics[page=\p,height=29cm]{$class}}\hspace{0.4cm}}
\end{document}
TEX
cat > "$tmp/names.tex" <<TEX
\documentclass{article}
\usepackage[paperwidth=21cm,paperheight=29.4cm,margin=0.2cm]{geometry}
\usepackage{graphicx,pgffor}
\pagestyle{empty}
\begin{document}
\setlength{\parindent}{0pt}\foreach\p in {$starts}{\fbox{\includegraphics[page=\p,width=20cm,trim=0 24.2cm 0 1.3cm,clip]{$class}}\par\vspace{1mm}}
\end{document}
TEX
(cd "$tmp" && pdflatex -interaction=nonstopmode boundary.tex >/dev/null && pdflatex -interaction=nonstopmode names.tex >/dev/null)
pdftoppm -png -r 38 -singlefile "$tmp/boundary.pdf" "$here/pdf-class"
pdftoppm -png -r 60 -singlefile "$tmp/names.pdf" "$here/pdf-names"
ls -la "$here"/pdf-*.png
