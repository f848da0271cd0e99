package deploy

// InputSources are one run's inputs, parsed, by where they came from.
type InputSources struct {
	// Flags are this run's command-line flags, Env its MSKVPCE_* variables.
	Flags, Env Values
	// VarFiles are this run's --var-file contents, in the order given.
	VarFiles []Values
	// RememberedVarFiles are the var files an earlier run recorded
	// (deployment.json); they count only when this run passes no --var-file.
	RememberedVarFiles []Values
	// Recorded is inputs.tfvars.json: the flags and variables of earlier runs.
	Recorded Values
}

// Where a merged value came from.
const (
	fromFlag       = "flag"
	fromEnv        = "env"
	fromVarFile    = "var-file"
	fromRemembered = "remembered var-file"
	fromRecorded   = "recorded"
)

// ResolvedInputs is what mergeInputs decides.
type ResolvedInputs struct {
	// ThisRun is flags over environment: recorded for later runs and passed
	// to Terraform as -var (which beats every -var-file).
	ThisRun Values
	// Merged are the effective values.
	Merged Values
	// From names the source of each merged value.
	From map[string]string
}

// MergeInputs is the input precedence, lowest to highest: the recorded
// inputs, the var files (this run's replace the remembered ones; a later
// file beats an earlier one), the environment, the flags. It is the order
// Terraform itself applies to the -var-file and -var arguments deploy
// passes (see varArgs), so the plan sees what this says.
func MergeInputs(s InputSources) ResolvedInputs {
	r := ResolvedInputs{ThisRun: Values{}, Merged: Values{}, From: map[string]string{}}
	set := func(v Values, from string) {
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
		v    Values
		from string
	}{{s.Env, fromEnv}, {s.Flags, fromFlag}} {
		for k, x := range src.v {
			r.ThisRun[k] = x
		}
		set(src.v, src.from)
	}
	return r
}
