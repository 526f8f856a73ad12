package documents

import "html/template"

// css lays a document out on A4 paper: margins as official documents (公文) use, 仿宋-like
// serif body and 黑体-like title by family name (the fonts the printing machine has; no
// font is fetched), form tables ruled in black, and on screen a sheet on a grey desk.
const css = `@page { size: A4; margin: 25mm 20mm 22mm 25mm; }
html { font-family: "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif;
  font-size: 12pt; line-height: 1.8; color: #000; background: #fff; }
body { margin: 0; }
@media screen {
  html { background: #d0d0d0; }
  .sheet { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 25mm 20mm 22mm 25mm; box-sizing: border-box;
    background: #fff; box-shadow: 0 0 3mm rgba(0, 0, 0, .35); }
}
header { text-align: center; }
.issuer { font-size: 16pt; letter-spacing: .15em; margin: 0; }
h1 { font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-size: 22pt;
  letter-spacing: .25em; margin: 1mm 0 2mm; }
.meta { display: flex; justify-content: space-between; margin: 0 0 5mm; font-size: 10.5pt; }
.to { margin: 0 0 2mm; }
.para { text-indent: 2em; margin: 0 0 2mm; text-align: justify; }
table.form { width: 100%; border-collapse: collapse; margin: 3mm 0 4mm; }
table.form th, table.form td { border: .6pt solid #000; padding: 1.8mm 3mm; vertical-align: top; text-align: left; }
table.form th { width: 30mm; font-weight: normal; text-align: center; vertical-align: middle; }
table.form tr.tall td { height: 26mm; }
tr, .para, .sign { break-inside: avoid; }
.sign { margin: 12mm 0 0 auto; width: 70mm; text-align: center; }
.sign p { margin: 0; }
footer { margin-top: 10mm; padding-top: 2mm; border-top: .6pt solid #000; font-size: 9pt; line-height: 1.5; }
.hash { font-family: "DejaVu Sans Mono", "Liberation Mono", "Consolas", monospace; word-break: break-all; }`

// pageTemplate is every document's page; html/template escapes every value.
var pageTemplate = template.Must(template.New("document").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{{.Title}} {{.Number}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<article class="sheet document-{{.Kind}}">
<header>
<p class="issuer">{{.Issuer}}</p>
<h1>{{.Title}}</h1>
</header>
<div class="meta"><span>案号：<span class="case-number">{{.Number}}</span></span><span>{{.DocNumber}}</span></div>
{{- if .To}}
<p class="to">{{.To}}</p>
{{- end}}
{{- range .Paras}}
<p class="para">{{.}}</p>
{{- end}}
{{- if .Rows}}
<table class="form">
{{- range .Rows}}
<tr{{if .Tall}} class="tall"{{end}}><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- range .Paras2}}
<p class="para">{{.}}</p>
{{- end}}
{{- if .Sign}}
<div class="sign">{{range .Sign}}<p>{{.}}</p>{{end}}</div>
{{- end}}
<footer>案号 {{.Number}} · 本文书记录本案执法全过程记录第 {{.Event.Seq}} 号事件（{{.Stage}}，{{.Event.Type}}，{{.Date}}）·
事件哈希 SHA-256 <span class="hash event-hash">{{.Event.Hash}}</span> · 可据此核验记录（GET /api/v1/cases/{{.Event.CaseID}}/verify）</footer>
</article>
</body>
</html>
`))
