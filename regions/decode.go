package regions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strings"
)

// Decode decodes a stack model from JSON strictly: an unknown key, a value of the wrong type or a
// missing required field is an error that names the key path. Every problem is reported, not just
// the first. Pulumi's config.RequireObject cannot be used because it ignores unknown keys.
func Decode(data []byte, into *Stack) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var raw any
	err := decoder.Decode(&raw)
	if err == nil {
		// Decode reads only the first value, so data after it is rejected instead of ignored.
		end := decoder.InputOffset()
		if extra := decoder.Decode(new(any)); extra != io.EOF {
			err = fmt.Errorf("unexpected data after the model, which ends at byte %d", end)
		}
	}
	if err != nil {
		return Errors{{Path: "", Value: shorten(string(data)), Problem: "is not valid JSON: " + err.Error(),
			Fix: "write the model as a YAML mapping under " + ConfigKey}}
	}
	var problems Errors
	decodeValue("", raw, reflect.ValueOf(into).Elem(), requiredNullFix, &problems)
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// Fixes for a null value, which depend on whether the key may be left out.
const (
	requiredNullFix = "give it a value; the field is required"
	optionalNullFix = "give it a value or remove the key"
	itemNullFix     = "give the item a value or remove it from the list"
)

// outOfRangeProblem is the problem of a whole number that does not fit in 64 bits. parseStackFile
// replaces the value of such a problem with the number as written in YAML.
const outOfRangeProblem = "is out of range for a 64-bit whole number"

// decodeValue decodes raw into target. nullFix is the fix reported when raw is null.
func decodeValue(path string, raw any, target reflect.Value, nullFix string, problems *Errors) {
	if raw == nil {
		problems.add(path, "null", "is null", nullFix)
		return
	}
	switch target.Kind() {
	case reflect.Pointer:
		value := reflect.New(target.Type().Elem())
		decodeValue(path, raw, value.Elem(), nullFix, problems)
		target.Set(value)
	case reflect.Struct:
		decodeStruct(path, raw, target, problems)
	case reflect.Slice:
		items, ok := raw.([]any)
		if !ok {
			problems.wrongType(path, raw, "a list")
			return
		}
		slice := reflect.MakeSlice(target.Type(), len(items), len(items))
		for i, item := range items {
			decodeValue(fmt.Sprintf("%s[%d]", path, i), item, slice.Index(i), itemNullFix, problems)
		}
		target.Set(slice)
	case reflect.String:
		text, ok := raw.(string)
		if !ok {
			problems.wrongType(path, raw, "a string (quote numbers such as account IDs)")
			return
		}
		target.SetString(text)
	case reflect.Bool:
		flag, ok := raw.(bool)
		if !ok {
			problems.wrongType(path, raw, "true or false")
			return
		}
		target.SetBool(flag)
	case reflect.Int, reflect.Int64:
		number, ok := raw.(json.Number)
		if !ok {
			problems.wrongType(path, raw, "a whole number")
			return
		}
		whole, err := number.Int64()
		if err != nil {
			if isWholeNumber(number) {
				problems.add(path, number.String(), outOfRangeProblem,
					fmt.Sprintf("use a whole number from %d to %d", int64(math.MinInt64), int64(math.MaxInt64)))
			} else {
				problems.wrongType(path, raw, "a whole number")
			}
			return
		}
		target.SetInt(whole)
	case reflect.Float64:
		number, ok := raw.(json.Number)
		if !ok {
			problems.wrongType(path, raw, "a number")
			return
		}
		real, err := number.Float64()
		if err != nil || math.IsInf(real, 0) {
			// ParseFloat fails only on a number whose magnitude is beyond float64, because the JSON
			// decoder has checked the syntax. It rounds a number too small for float64 to 0.
			problems.add(path, number.String(), "is out of range for a 64-bit floating-point number",
				"use a number within about ±1.8e308")
			return
		}
		target.SetFloat(real)
	default:
		panic(fmt.Sprintf("regions: model field %s has unsupported kind %s", path, target.Kind()))
	}
}

func decodeStruct(path string, raw any, target reflect.Value, problems *Errors) {
	object, ok := raw.(map[string]any)
	if !ok {
		problems.wrongType(path, raw, "a mapping of keys to values")
		return
	}
	fields := map[string]int{}
	optional := map[string]bool{}
	var required []string
	for i := 0; i < target.NumField(); i++ {
		name, omitEmpty := jsonName(target.Type().Field(i))
		if name == "" {
			continue
		}
		fields[name] = i
		optional[name] = omitEmpty
		if !omitEmpty {
			required = append(required, name)
		}
	}

	keys := make([]string, 0, len(object))
	for key := range object {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		index, known := fields[key]
		if !known {
			problems.add(join(path, key), key, "is not a known key",
				"remove it or correct the spelling; known keys are "+knownKeys(fields))
			continue
		}
		nullFix := requiredNullFix
		if optional[key] {
			nullFix = optionalNullFix
		}
		decodeValue(join(path, key), object[key], target.Field(index), nullFix, problems)
	}
	for _, name := range required {
		if _, present := object[name]; !present {
			problems.add(join(path, name), "", "is missing", "add it; the field is required")
		}
	}
}

func jsonName(field reflect.StructField) (name string, optional bool) {
	tag := field.Tag.Get("json")
	if tag == "-" || tag == "" {
		return "", false
	}
	name, options, _ := strings.Cut(tag, ",")
	return name, options == "omitempty"
}

func knownKeys(fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (problems *Errors) wrongType(path string, raw any, expected string) {
	problems.add(path, describe(raw), "has the wrong type ("+kindOf(raw)+")", "expected "+expected)
}

func kindOf(raw any) string {
	switch raw.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "list"
	case map[string]any:
		return "mapping"
	default:
		return "null"
	}
}

// isWholeNumber reports whether a JSON number has no fractional part, whatever its size.
func isWholeNumber(number json.Number) bool {
	value, _, err := big.ParseFloat(number.String(), 10, 0, big.ToNearestEven)
	return err == nil && value.IsInt()
}

// describe returns a value as the text a message shows: a string as it is, since the message
// quotes the value, and anything else as JSON.
func describe(raw any) string {
	if text, ok := raw.(string); ok {
		return shorten(text)
	}
	encoded, err := json.Marshal(raw)
	if err != nil {
		return fmt.Sprint(raw)
	}
	return shorten(string(encoded))
}

func shorten(text string) string {
	const max = 80
	if len(text) <= max {
		return text
	}
	return text[:max] + "..."
}
