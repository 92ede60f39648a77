package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
)

// goPackage is what the generator knows of a Go package's declarations.
type goPackage struct {
	fset    *token.FileSet
	structs map[string]*goStruct
	// types holds every declared type name with its declaration.
	types map[string]*ast.TypeSpec
	// docs holds each type's doc comment text.
	docs map[string]string
	// methods maps "Type.Method" to the method's declaration.
	methods map[string]*ast.FuncDecl
	// interfaces maps an interface's name to its methods.
	interfaces map[string]map[string]*ast.FuncType
	// consts maps a named type to its constants, in declaration order.
	consts map[string][]string
	// aliasesOf maps "gen.X" to the name of the alias that re-exports it.
	aliasesOf map[string]string
	// values holds the names of package-level constants, variables and
	// functions.
	values map[string]bool
}

type goStruct struct {
	name   string
	fields []*goField
}

type goField struct {
	name      string
	doc       string // the field's doc comment
	json      string
	omitempty bool
	typ       ast.Expr
}

// parsePackage reads the files matching glob; skip tells which to leave out.
func parsePackage(glob string, skip func(name string, f *ast.File) bool) (*goPackage, error) {
	names, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	p := &goPackage{
		fset: token.NewFileSet(), structs: map[string]*goStruct{}, types: map[string]*ast.TypeSpec{},
		docs: map[string]string{}, methods: map[string]*ast.FuncDecl{}, interfaces: map[string]map[string]*ast.FuncType{},
		consts: map[string][]string{}, aliasesOf: map[string]string{}, values: map[string]bool{},
	}
	for _, name := range names {
		f, err := parser.ParseFile(p.fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if skip != nil && skip(name, f) {
			continue
		}
		p.add(f)
	}
	return p, nil
}

func (p *goPackage) add(f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) == 1 {
				p.methods[recvName(d.Recv.List[0].Type)+"."+d.Name.Name] = d
			} else if d.Recv == nil {
				p.values[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					p.types[s.Name.Name] = s
					doc := s.Doc
					if doc == nil && len(d.Specs) == 1 {
						doc = d.Doc
					}
					if doc != nil {
						p.docs[s.Name.Name] = doc.Text()
					}
					if s.Assign.IsValid() {
						if sel, ok := s.Type.(*ast.SelectorExpr); ok {
							if id, ok := sel.X.(*ast.Ident); ok && id.Name == "gen" {
								p.aliasesOf["gen."+sel.Sel.Name] = s.Name.Name
							}
						}
					}
					switch t := s.Type.(type) {
					case *ast.StructType:
						p.structs[s.Name.Name] = structOf(s.Name.Name, t)
					case *ast.InterfaceType:
						m := map[string]*ast.FuncType{}
						for _, f := range t.Methods.List {
							if ft, ok := f.Type.(*ast.FuncType); ok && len(f.Names) == 1 {
								m[f.Names[0].Name] = ft
							}
						}
						p.interfaces[s.Name.Name] = m
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						p.values[n.Name] = true
					}
					if d.Tok != token.CONST || s.Type == nil {
						continue
					}
					if id, ok := s.Type.(*ast.Ident); ok {
						for _, n := range s.Names {
							p.consts[id.Name] = append(p.consts[id.Name], n.Name)
						}
					}
				}
			}
		}
	}
}

func structOf(name string, t *ast.StructType) *goStruct {
	s := &goStruct{name: name}
	for _, f := range t.Fields.List {
		if len(f.Names) != 1 {
			continue
		}
		gf := &goField{name: f.Names[0].Name, typ: f.Type, doc: f.Doc.Text()}
		if f.Tag != nil {
			tag := reflect.StructTag(strings.Trim(f.Tag.Value, "`"))
			j := tag.Get("json")
			name, opts, _ := strings.Cut(j, ",")
			gf.json = name
			gf.omitempty = strings.Contains(opts, "omitempty")
		}
		s.fields = append(s.fields, gf)
	}
	return s
}

// field finds a struct's field by its JSON name.
func (s *goStruct) field(json string) *goField {
	for _, f := range s.fields {
		if f.json == json {
			return f
		}
	}
	return nil
}

func recvName(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// typeString prints a type expression as Go source.
func (p *goPackage) typeString(e ast.Expr) string {
	var b bytes.Buffer
	printer.Fprint(&b, p.fset, e)
	return b.String()
}

// kind classifies a field's Go type for the generators.
type kind int

const (
	kindValue    kind = iota // T
	kindPointer              // *T
	kindNullable             // nullable.Nullable[T]
	kindSlice                // []T
	kindMap                  // map[K]V
)

// shape returns a field type's kind and its element type (T for *T,
// Nullable[T] and []T; V for map[K]V; the type itself for a value).
func shape(e ast.Expr) (kind, ast.Expr) {
	switch t := e.(type) {
	case *ast.StarExpr:
		return kindPointer, t.X
	case *ast.ArrayType:
		return kindSlice, t.Elt
	case *ast.MapType:
		return kindMap, t.Value
	case *ast.IndexExpr:
		if sel, ok := t.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Nullable" {
			return kindNullable, t.Index
		}
	}
	return kindValue, e
}

// identName returns the name of a plain identifier type, or "".
func identName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
