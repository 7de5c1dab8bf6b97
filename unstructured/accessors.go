package unstructured

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Get reads the field at path as a T. It reports false with no error when a
// field on the path is missing, and an error when the path runs through a
// non-object or the value cannot be a T.
//
// Beyond an exact type match, Get converts: any JSON number to any Go integer
// or float type when the value fits exactly; []any to []E and map[string]any
// to map[string]E element by element; an object to a struct through
// apimachinery's DefaultUnstructuredConverter. Maps and slices are deep
// copies, so changing them leaves obj as it was.
func Get[T any](obj *unstructured.Unstructured, path ...string) (T, bool, error) {
	var zero T
	if obj == nil {
		return zero, false, nil
	}
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, path...)
	if err != nil || !found {
		return zero, false, err
	}
	out := reflect.New(reflect.TypeFor[T]()).Elem()
	if err := assign(out, v); err != nil {
		return zero, true, fmt.Errorf("unstructured: .%s: %w", strings.Join(path, "."), err)
	}
	return out.Interface().(T), true, nil
}

// Set writes value at path, creating missing objects on the way. Go integers
// become int64, floats float64, typed slices and maps []any and
// map[string]any, and structs go through DefaultUnstructuredConverter, so obj
// keeps apimachinery's value types.
func Set(obj *unstructured.Unstructured, value any, path ...string) error {
	if obj == nil {
		return fmt.Errorf("unstructured: set: nil object")
	}
	if len(path) == 0 {
		return fmt.Errorf("unstructured: set: empty path")
	}
	v, err := toJSONValue(reflect.ValueOf(value))
	if err != nil {
		return fmt.Errorf("unstructured: set .%s: %w", strings.Join(path, "."), err)
	}
	if obj.Object == nil {
		obj.Object = map[string]any{}
	}
	if err := unstructured.SetNestedField(obj.Object, v, path...); err != nil {
		return fmt.Errorf("unstructured: set .%s: %w", strings.Join(path, "."), err)
	}
	return nil
}

// assign stores the JSON value v into out.
func assign(out reflect.Value, v any) error {
	if v == nil {
		out.SetZero()
		return nil
	}
	if out.Kind() == reflect.Interface {
		if !reflect.TypeOf(v).AssignableTo(out.Type()) {
			return mismatch(v, out.Type())
		}
		out.Set(reflect.ValueOf(runtime.DeepCopyJSONValue(v)))
		return nil
	}
	switch out.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return mismatch(v, out.Type())
		}
		out.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return mismatch(v, out.Type())
		}
		out.SetBool(b)
		return nil
	case reflect.Pointer:
		p := reflect.New(out.Type().Elem())
		if err := assign(p.Elem(), v); err != nil {
			return err
		}
		out.Set(p)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := asInt(v)
		if !ok || out.OverflowInt(i) {
			return mismatch(v, out.Type())
		}
		out.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		i, ok := asInt(v)
		if !ok || i < 0 || out.OverflowUint(uint64(i)) {
			return mismatch(v, out.Type())
		}
		out.SetUint(uint64(i))
		return nil
	case reflect.Float32, reflect.Float64:
		switch n := v.(type) {
		case int64:
			out.SetFloat(float64(n))
		case float64:
			out.SetFloat(n)
		default:
			return mismatch(v, out.Type())
		}
		return nil
	case reflect.Slice:
		return assignSlice(out, v)
	case reflect.Map:
		return assignMap(out, v)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(v, out.Type())
		}
		return runtime.DefaultUnstructuredConverter.FromUnstructured(m, out.Addr().Interface())
	}
	rv := reflect.ValueOf(v)
	if !rv.Type().AssignableTo(out.Type()) {
		return mismatch(v, out.Type())
	}
	out.Set(rv)
	return nil
}

func assignSlice(out reflect.Value, v any) error {
	in, ok := v.([]any)
	if !ok {
		return mismatch(v, out.Type())
	}
	s := reflect.MakeSlice(out.Type(), len(in), len(in))
	for i, e := range in {
		if err := assign(s.Index(i), e); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	out.Set(s)
	return nil
}

func assignMap(out reflect.Value, v any) error {
	in, ok := v.(map[string]any)
	if !ok || out.Type().Key().Kind() != reflect.String {
		return mismatch(v, out.Type())
	}
	m := reflect.MakeMapWithSize(out.Type(), len(in))
	elem := reflect.New(out.Type().Elem()).Elem()
	for k, e := range in {
		elem.SetZero()
		if err := assign(elem, e); err != nil {
			return fmt.Errorf("[%q]: %w", k, err)
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(out.Type().Key()), elem)
	}
	out.Set(m)
	return nil
}

// asInt returns v as an int64 when it is a JSON number with an exact integer value.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

func mismatch(v any, t reflect.Type) error {
	return fmt.Errorf("value of type %T cannot be a %s", v, t)
}

// toJSONValue turns a Go value into the types apimachinery's decoder produces.
func toJSONValue(v reflect.Value) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			return runtime.DefaultUnstructuredConverter.ToUnstructured(v.Interface())
		}
		return toJSONValue(v.Elem())
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.String:
		return v.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() > math.MaxInt64 {
			return nil, fmt.Errorf("%d overflows int64", v.Uint())
		}
		return int64(v.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return v.Float(), nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, nil
		}
		out := make([]any, v.Len())
		for i := range out {
			e, err := toJSONValue(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key type %s is not a string", v.Type().Key())
		}
		if v.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			e, err := toJSONValue(it.Value())
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = e
		}
		return out, nil
	case reflect.Struct:
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		return runtime.DefaultUnstructuredConverter.ToUnstructured(p.Interface())
	}
	return nil, fmt.Errorf("cannot store a %s in an unstructured object", v.Type())
}
