package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fakeShipyard stands in for the two upstream APIs of the reference
// tutorial (the maritime registry and the legacy dockyard), with a small
// fleet of our own: the ship IMO-9321483 "Northern Star" and the voyage
// Oslo → Singapore are the values the reference tests assert; everything
// else is invented.
type fakeShipyard struct {
	url  string
	mu   sync.Mutex
	seen []seenRequest
}

// seenRequest is what the fake received.
type seenRequest struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

var fleet = []map[string]any{
	{
		"imo_number": "IMO-9321483", "vessel_name": "Northern Star", "vessel_type": "cargo", "flag_code": "NO",
		"operational_status": "active", "year_built": 2015, "gross_tonnage": 42000,
		"dimensions":   map[string]any{"length_overall": 229, "beam": 32},
		"assignedCrew": []string{"CREW-001", "CREW-002"},
	},
	{
		"imo_number": "IMO-9405876", "vessel_name": "Fjord Runner", "vessel_type": "tanker", "flag_code": "NO",
		"operational_status": "active", "year_built": 2011, "gross_tonnage": 61000,
		"dimensions":   map[string]any{"length_overall": 244, "beam": 42},
		"assignedCrew": []string{"CREW-003"},
	},
	{
		"imo_number": "IMO-9133902", "vessel_name": "Harbour Lark", "vessel_type": "ro-ro", "flag_code": "MT",
		"operational_status": "laid_up", "year_built": 1998, "gross_tonnage": 18000,
		"dimensions":   map[string]any{"length_overall": 171, "beam": 27},
		"assignedCrew": []string{},
	},
}

var crew = []map[string]any{
	{"crewId": "CREW-001", "fullName": "Ingrid Solberg", "role": "captain", "nationality": "NO"},
	{"crewId": "CREW-002", "fullName": "Tomas Reyes", "role": "chief engineer", "nationality": "PH"},
	{"crewId": "CREW-003", "fullName": "Ana Ferreira", "role": "first officer", "nationality": "PT"},
}

var cargo = []map[string]any{
	{"cargoId": "CARGO-7001", "type": "container", "description": "Salmon, chilled", "weight": 18.5, "hazardous": false},
	{"cargoId": "CARGO-7002", "type": "bulk", "description": "Ammonium nitrate", "weight": 240, "hazardous": true},
}

var voyage = map[string]any{
	"voyageId": "VOY-2026-042", "shipImo": "IMO-9321483",
	"departurePort": "Oslo", "arrivalPort": "Singapore",
	"departureDate": "2026-04-10", "arrivalDate": "2026-05-02",
	"crewIds": []string{"CREW-001", "CREW-002"}, "cargoIds": []string{"CARGO-7001", "CARGO-7002"},
	"status": "planned",
}

const legacyVesselsXML = `<?xml version="1.0" encoding="UTF-8"?>
<vessels>
  <vessel><vesselCode>LEGACY-4012</vesselCode><vesselName>Old Faithful</vesselName><category>trawler</category><flagState>IS</flagState><operationalStatus>active</operationalStatus></vessel>
  <vessel><vesselCode>LEGACY-4013</vesselCode><vesselName>Grey Heron</vesselName><category>coaster</category><flagState>FO</flagState><operationalStatus>laid_up</operationalStatus></vessel>
</vessels>`

func newFakeShipyard(t *testing.T) *fakeShipyard {
	t.Helper()
	f := &fakeShipyard{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ships", func(w http.ResponseWriter, r *http.Request) {
		status := r.URL.Query().Get("status")
		out := []map[string]any{}
		for _, s := range fleet {
			if status == "" || s["operational_status"] == status {
				out = append(out, s)
			}
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /ships/{imo}", func(w http.ResponseWriter, r *http.Request) {
		for _, s := range fleet {
			if s["imo_number"] == r.PathValue("imo") {
				writeJSON(w, http.StatusOK, s)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "ship not found", "imo": r.PathValue("imo")})
	})
	mux.HandleFunc("GET /crew", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, crew) })
	mux.HandleFunc("GET /cargo", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, cargo) })
	mux.HandleFunc("GET /voyages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != voyage["voyageId"] {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "voyage not found"})
			return
		}
		writeJSON(w, http.StatusOK, voyage)
	})
	mux.HandleFunc("POST /voyages", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body is not JSON: " + err.Error()})
			return
		}
		in["voyageId"] = "VOY-2026-043"
		in["status"] = "planned"
		writeJSON(w, http.StatusCreated, in)
	})
	mux.HandleFunc("GET /vessels", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, legacyVesselsXML)
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "not json")
	})
	f.url = newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		f.mu.Lock()
		f.seen = append(f.seen, seenRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	return f
}

// requests returns a copy of what the fake received so far.
func (f *fakeShipyard) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// last returns the last request whose path is p.
func (f *fakeShipyard) last(t *testing.T, p string) seenRequest {
	t.Helper()
	reqs := f.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == p {
			return reqs[i]
		}
	}
	t.Fatalf("the fake upstream received no request for %s", p)
	return seenRequest{}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint("fake upstream: ", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
