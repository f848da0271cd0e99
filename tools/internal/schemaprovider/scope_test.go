package schemaprovider

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A root module as deploy lays it: a local module, a module outside the root
// (found only through modules.json), a test file, and state kept by the
// local backend outside the tree, naming a type the configuration no longer does.
func rootWithModules(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	root := filepath.Join(top, "hcl", "root")
	write(t, filepath.Join(root, "main.tf"), `resource "aws_vpc" "x" {}
module "far" { source = "../../far" }`)
	write(t, filepath.Join(root, "tests", "a.tftest.hcl"), `mock_provider "aws" { mock_data "aws_caller_identity" {} }`)
	write(t, filepath.Join(top, "far", "main.tf"), `data "aws_subnet" "s" {}`)
	if err := os.MkdirAll(filepath.Join(root, ".terraform", "modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(top, "far", "README.md"), `aws_instance is named here, not in configuration`)
	// Terraform links a module given by an absolute path into .terraform/modules.
	write(t, filepath.Join(top, "abs", "main.tf"), `resource "aws_lb_listener" "l" {}`)
	if err := os.Symlink(filepath.Join(top, "abs"), filepath.Join(root, ".terraform", "modules", "abs")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, ".terraform", "modules", "modules.json"), `{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"far","Source":"../../far","Dir":"../../far"},{"Key":"abs","Source":"file:///abs","Dir":".terraform/modules/abs"}]}`)
	write(t, filepath.Join(root, ".terraform", "terraform.tfstate"), `{"backend":{"type":"local","config":{"path":"../../terraform.tfstate"}}}`)
	write(t, filepath.Join(top, "terraform.tfstate"), `{"resources":[{"mode":"managed","type":"aws_lb","name":"gone"}]}`)
	return root
}

func TestScopeOfNamesWhatTheConfigurationCanUse(t *testing.T) {
	t.Setenv("TF_DATA_DIR", "")
	scope := ScopeOf(rootWithModules(t))
	for _, want := range []string{"aws_vpc", "aws_subnet", "aws_caller_identity", "aws_lb", "aws_lb_listener"} {
		if !scope[want] {
			t.Errorf("%s is not in scope; got %v", want, scope)
		}
	}
	if scope["aws_instance"] {
		t.Errorf("aws_instance is in scope, though only a README names it")
	}
}

func TestScopeOfServesEverythingWhenItCannotTell(t *testing.T) {
	t.Setenv("TF_DATA_DIR", "")
	if s := ScopeOf(t.TempDir()); s != nil {
		t.Errorf("no configuration: scope %v, want nil (everything)", s)
	}
	root := rootWithModules(t)
	if err := os.RemoveAll(filepath.Join(root, "..", "..", "far")); err != nil {
		t.Fatal(err)
	}
	if s := ScopeOf(root); s != nil {
		t.Errorf("a module directory is missing: scope %v, want nil (everything)", s)
	}
}

func TestGetProviderSchemaServesTheScope(t *testing.T) {
	s := newAWS(t, "")
	s.Scope = map[string]bool{"aws_vpc": true, "aws_subnet": true, "aws_lb": true, "not_a_type": true}
	resp, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("err %v diags %v", err, resp.Diagnostics)
	}
	keys := func(m map[string]*tfprotov6.Schema) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if got := keys(resp.ResourceSchemas); !slices.Equal(got, []string{"aws_lb", "aws_subnet", "aws_vpc"}) {
		t.Errorf("resources %v", got)
	}
	if got := keys(resp.DataSourceSchemas); !slices.Equal(got, []string{"aws_lb", "aws_subnet", "aws_vpc"}) {
		t.Errorf("data sources %v", got)
	}
	full := newAWS(t, "")
	want, _ := full.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if want.ResourceSchemas["aws_vpc"].Block.Attributes[0].Name != resp.ResourceSchemas["aws_vpc"].Block.Attributes[0].Name ||
		len(want.ResourceSchemas["aws_vpc"].Block.Attributes) != len(resp.ResourceSchemas["aws_vpc"].Block.Attributes) {
		t.Errorf("aws_vpc in scope differs from aws_vpc in the full schema")
	}
	md, _ := s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	if len(md.Resources) != 3 {
		t.Errorf("metadata lists %d resources, want the 3 in scope", len(md.Resources))
	}
}

func TestFullSchemaEnvLiftsTheScope(t *testing.T) {
	root := rootWithModules(t)
	t.Chdir(root)
	t.Setenv("TF_DATA_DIR", "")
	if s := New(nil); s.Scope == nil || !s.Scope["aws_vpc"] {
		t.Fatalf("scope %v, want the configuration's types", s.Scope)
	}
	t.Setenv(FullSchemaEnv, "1")
	if s := New(nil); s.Scope != nil {
		t.Fatalf("%s=1: scope %v, want nil (everything)", FullSchemaEnv, s.Scope)
	}
}
