package deploy

// inputSources are one run's inputs, parsed, by where they came from.
type inputSources struct {
	// Flags are this run's command-line flags, Env its MSKVPCE_* variables.
	Flags, Env values
	// VarFiles are this run's --var-file contents, in the order given.
	VarFiles []values
	// RememberedVarFiles are the var files an earlier run recorded
	// (deployment.json); they count only when this run passes no --var-file.
	RememberedVarFiles []values
	// Recorded is inputs.tfvars.json: the flags and variables of earlier runs.
	Recorded values
}

// Where a merged value came from.
const (
	fromFlag       = "flag"
	fromEnv        = "env"
	fromVarFile    = "var-file"
	fromRemembered = "remembered var-file"
	fromRecorded   = "recorded"
)

// resolvedInputs is what mergeInputs decides.
type resolvedInputs struct {
	// ThisRun is flags over environment: recorded for later runs and passed
	// to Terraform as -var (which beats every -var-file).
	ThisRun values
	// Merged are the effective values.
	Merged values
	// From names the source of each merged value.
	From map[string]string
}

// mergeInputs is the input precedence, lowest to highest: the recorded
// inputs, the var files (this run's replace the remembered ones; a later
// file beats an earlier one), the environment, the flags. It is the order
// Terraform itself applies to the -var-file and -var arguments deploy
// passes (see varArgs), so the plan sees what this says.
func mergeInputs(s inputSources) resolvedInputs {
	r := resolvedInputs{ThisRun: values{}, Merged: values{}, From: map[string]string{}}
	set := func(v values, from string) {
		for k, x := range v {
			r.Merged[k], r.From[k] = x, from
		}
	}
	set(s.Recorded, fromRecorded)
	files, from := s.VarFiles, fromVarFile
	if len(files) == 0 {
		files, from = s.RememberedVarFiles, fromRemembered
	}
	for _, f := range files {
		set(f, from)
	}
	for _, src := range []struct {
		v    values
		from string
	}{{s.Env, fromEnv}, {s.Flags, fromFlag}} {
		for k, x := range src.v {
			r.ThisRun[k] = x
		}
		set(src.v, src.from)
	}
	return r
}
