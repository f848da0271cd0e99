package cli

// Secrets (the Databricks external ID) in what deploy prints: redacted in
// every output mode unless --show-secrets.

import (
	"encoding/json"
	"fmt"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// redactJSON hides the secrets of a JSON document unless --show-secrets.
func (c *cli) redactJSON(doc []byte) ([]byte, error) {
	if c.showSecrets {
		return doc, nil
	}
	out, err := deploy.RedactJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("redact the secrets of the JSON output: %w", err)
	}
	return out, nil
}

// learnSecrets adds the secrets the outputs hold (the service credential's
// external ID, the canary's event) to those redacted from free text.
func (c *cli) learnSecrets(d tfoutputs.Deployment) {
	if d.Databricks != nil {
		c.secrets.Add(d.Databricks.ExternalID)
	}
	if d.VerifyCanary != nil {
		var ev struct {
			ExternalID string `json:"external_id"`
		}
		if json.Unmarshal([]byte(d.VerifyCanary.Event), &ev) == nil {
			c.secrets.Add(ev.ExternalID)
		}
	}
}

// writeSecrets prints the external ID the role trusts (output
// --show-secrets, text mode).
func (c *cli) writeSecrets(d tfoutputs.Deployment) {
	id, _ := c.merged["databricks_external_id"].(string)
	if d.Databricks != nil {
		id = d.Databricks.ExternalID
	}
	if id == "" || d.ExternalIDIsPlaceholder && d.Databricks == nil {
		return
	}
	fmt.Fprintf(c.env.Stdout, "External ID value:   %s (shown because of --show-secrets)\n", id)
}
