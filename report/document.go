package report

import (
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// document is the report's content, rendered both as Markdown and as HTML
// so the two never say different things.
type document struct {
	Title    string
	Sections []section
}

type section struct {
	Heading string
	Paras   []string
	Table   *table
	Images  []image
	Code    string
}

type table struct {
	Header []string
	Rows   [][]string
}

type image struct {
	File    string // beside the report
	Alt     string
	Caption string
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

var (
	mdBold = regexp.MustCompile(`\*\*(.+?)\*\*`)
	mdCode = regexp.MustCompile("`([^`]+)`")
	mdLink = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
)

// inline renders the little Markdown the report's text uses (bold, code,
// links) as HTML, escaping everything else.
func inline(s string) template.HTML {
	h := html.EscapeString(s)
	h = mdBold.ReplaceAllString(h, "<strong>$1</strong>")
	h = mdCode.ReplaceAllString(h, "<code>$1</code>")
	h = mdLink.ReplaceAllString(h, `<a href="$2">$1</a>`)
	return template.HTML(h)
}

func (d *document) markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.Title)
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s\n\n", s.Heading)
		for _, p := range s.Paras {
			fmt.Fprintf(&b, "%s\n\n", p)
		}
		if s.Code != "" {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", strings.TrimRight(s.Code, "\n"))
		}
		if t := s.Table; t != nil {
			fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(t.Header, " | "), strings.Repeat("---|", len(t.Header)))
			for _, row := range t.Rows {
				cells := make([]string, len(row))
				for i, c := range row {
					cells[i] = mdEscape(c)
				}
				fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
			}
			b.WriteString("\n")
		}
		for _, im := range s.Images {
			fmt.Fprintf(&b, "![%s](%s)\n\n%s\n\n", im.Alt, im.File, im.Caption)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{"inline": inline}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;font-size:.85em;margin:1em 0}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:nth-child(-n+6){text-align:left}img{max-width:100%;border:1px solid #eee}
pre{background:#f6f6f6;padding:.75em;overflow-x:auto}figcaption{color:#555;font-size:.9em}
</style></head><body>
<h1>{{.Title}}</h1>
{{range .Sections}}<h2>{{.Heading}}</h2>
{{range .Paras}}<p>{{inline .}}</p>
{{end}}{{if .Code}}<pre>{{.Code}}</pre>
{{end}}{{with .Table}}<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{inline .}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{range .Images}}<figure><img src="{{.Data}}" alt="{{.Alt}}"><figcaption>{{inline .Caption}}</figcaption></figure>
{{end}}{{end}}</body></html>
`))

// html renders the document with every image embedded, so the file can be
// mailed or opened anywhere on its own.
func (d *document) html(w io.Writer, dir string) error {
	type img struct {
		Data      template.URL
		Alt       string
		Caption   string
		File      string
		Reference string
	}
	type sec struct {
		Heading string
		Paras   []string
		Code    string
		Table   *table
		Images  []img
	}
	page := struct {
		Title    string
		Sections []sec
	}{Title: d.Title}
	for _, s := range d.Sections {
		out := sec{Heading: s.Heading, Paras: s.Paras, Code: s.Code, Table: s.Table}
		for _, im := range s.Images {
			raw, err := os.ReadFile(filepath.Join(dir, im.File))
			if err != nil {
				return err
			}
			uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(raw)
			out.Images = append(out.Images, img{Data: template.URL(uri), Alt: im.Alt, Caption: im.Caption, File: im.File})
		}
		page.Sections = append(page.Sections, out)
	}
	return htmlPage.Execute(w, page)
}
