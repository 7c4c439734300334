package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
)

func TestEncryptionKeys(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	old := bytes.Repeat([]byte{0x01}, 32)
	hexKey, b64Old := hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(old)

	cfg := mustLoad(t, ModeAuth, nil, map[string]string{
		"DB_ENCRYPTION_KEY": hexKey, "DB_ENCRYPTION_OLD_KEYS": b64Old + ", " + base64.RawURLEncoding.EncodeToString(raw),
	})
	if string(cfg.DBEncryptionKey) != string(raw) {
		t.Errorf("DBEncryptionKey is not the decoded key")
	}
	if len(cfg.DBEncryptionOldKeys) != 2 || string(cfg.DBEncryptionOldKeys[0]) != string(old) {
		t.Errorf("DBEncryptionOldKeys = %d keys, want 2 decoded", len(cfg.DBEncryptionOldKeys))
	}
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("start", "config", cfg)
	if strings.Contains(b.String(), hexKey) || strings.Contains(b.String(), string(raw)) || !strings.Contains(b.String(), "db_encryption_key=REDACTED") {
		t.Errorf("log shows the key or not its redaction:\n%s", b.String())
	}

	if cfg := mustLoad(t, ModeAuth, nil, nil); cfg.DBEncryptionKey != "" || cfg.DBEncryptionOldKeys != nil {
		t.Errorf("unset: got a key")
	}

	for name, env := range map[string]map[string]string{
		"DB_ENCRYPTION_KEY":                          {"DB_ENCRYPTION_KEY": "not-a-key-but-a-secret-word"},
		"DB_ENCRYPTION_OLD_KEYS":                     {"DB_ENCRYPTION_KEY": hexKey, "DB_ENCRYPTION_OLD_KEYS": b64Old + ",not-a-key-but-a-secret-word"},
		"DB_ENCRYPTION_OLD_KEYS needs a current key": {"DB_ENCRYPTION_OLD_KEYS": b64Old},
	} {
		_, err := load(t, ModeAuth, nil, env)
		want, _, _ := strings.Cut(name, " ")
		if err == nil || !strings.HasPrefix(err.Error(), want+":") {
			t.Errorf("%s: err = %v, want one naming %s", name, err, want)
			continue
		}
		if strings.Contains(err.Error(), "secret-word") || strings.Contains(err.Error(), b64Old) {
			t.Errorf("%s: error quotes the value: %v", name, err)
		}
	}
}
