package suite

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Schema is schema.json: the JSON Schema (draft 2020-12) that every result
// written by `leaky bench --json` follows.
//
//go:embed schema.json
var Schema []byte

// Validate checks the JSON document doc against Schema and returns every
// violation found, joined, each naming the JSON path where it occurs.
//
// It implements the subset of JSON Schema that schema.json uses — $ref to
// #/$defs, type, const, enum, properties, required, additionalProperties
// (as a boolean), items, minItems, minLength, pattern, minimum,
// exclusiveMinimum and maximum — and refuses a schema that uses any other
// keyword, so the schema cannot silently grow past what is checked.
func Validate(doc []byte) error {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		return fmt.Errorf("schema.json: %w", err)
	}
	return ValidateAgainst(schema, doc)
}

// ValidateAgainst checks doc against a parsed schema; see Validate.
func ValidateAgainst(schema map[string]any, doc []byte) error {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	c := &checker{root: schema}
	c.check("$", schema, v)
	return errors.Join(c.errs...)
}

type checker struct {
	root map[string]any
	errs []error
}

// keywords are those check understands; annotations are ignored.
var keywords = map[string]bool{
	"$ref": true, "type": true, "const": true, "enum": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "minItems": true, "minLength": true, "pattern": true,
	"minimum": true, "exclusiveMinimum": true, "maximum": true,
	"$schema": true, "$id": true, "$defs": true, "title": true, "description": true,
}

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (c *checker) check(path string, s map[string]any, v any) {
	for k := range s {
		if !keywords[k] {
			c.fail(path, "schema uses keyword %q, which this validator does not implement", k)
			return
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/$defs/")
		defs, _ := c.root["$defs"].(map[string]any)
		target, ok := defs[name].(map[string]any)
		if !found || !ok {
			c.fail(path, "schema $ref %q does not resolve", ref)
			return
		}
		c.check(path, target, v)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				if s, ok := x.(string); ok {
					types = append(types, s)
				}
			}
		}
		if !slices.ContainsFunc(types, func(t string) bool { return hasType(v, t) }) {
			c.fail(path, "is %s, want %s", typeName(v), strings.Join(types, " or "))
			return
		}
	}
	if want, ok := s["const"]; ok && !equal(v, want) {
		c.fail(path, "is %v, want %v", v, want)
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return equal(v, e) }) {
		c.fail(path, "is %v, want one of %v", v, enum)
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if name, _ := r.(string); name != "" {
					if _, ok := v[name]; !ok {
						c.fail(path, "missing required property %q", name)
					}
				}
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				c.check(path+"."+k, ps, v[k])
			} else if ap, ok := s["additionalProperties"].(bool); ok && !ap {
				c.fail(path, "unexpected property %q", k)
			}
		}
	case []any:
		if mi, ok := number(s["minItems"]); ok && float64(len(v)) < mi {
			c.fail(path, "has %d items, want at least %v", len(v), mi)
		}
		if is, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				c.check(fmt.Sprintf("%s[%d]", path, i), is, x)
			}
		}
	case string:
		if ml, ok := number(s["minLength"]); ok && float64(len([]rune(v))) < ml {
			c.fail(path, "%q is shorter than %v characters", v, ml)
		}
		if p, ok := s["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				c.fail(path, "schema pattern %q: %v", p, err)
			} else if !re.MatchString(v) {
				c.fail(path, "%q does not match %q", v, p)
			}
		}
	case json.Number:
		x, _ := v.Float64()
		if m, ok := number(s["minimum"]); ok && x < m {
			c.fail(path, "%v is below the minimum %v", x, m)
		}
		if m, ok := number(s["exclusiveMinimum"]); ok && x <= m {
			c.fail(path, "%v must be greater than %v", x, m)
		}
		if m, ok := number(s["maximum"]); ok && x > m {
			c.fail(path, "%v is above the maximum %v", x, m)
		}
	}
}

func number(x any) (float64, bool) {
	switch x := x.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f)
	}
	return false
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// equal compares a document value with a schema value (numbers by value).
func equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return a == b
}
