package notify

import (
	"fmt"
	"strings"
)

// slackMessage is a Slack incoming-webhook message: text for notifications and clients
// without blocks, and the same as Block Kit blocks (header, headline, incidents, link).
// Slack reads &, < and > in mrkdwn text as markup, so archive strings escape them.
func slackMessage(m Message) map[string]any {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	var lines []string
	for _, h := range m.Headline {
		lines = append(lines, "• "+esc(h))
	}
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": clip(m.Title, 150)}},
		map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": clip(strings.Join(lines, "\n"), 3000)}},
	}
	text := m.Title
	if len(m.Incidents) > 0 {
		var inc []string
		for i, s := range m.Incidents {
			if i == maxIncidents {
				inc = append(inc, fmt.Sprintf("… and %d more in the report", len(m.Incidents)-maxIncidents))
				break
			}
			inc = append(inc, "• "+esc(s))
		}
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn",
			"text": clip(fmt.Sprintf("*Alert incidents (%d)*\n%s", len(m.Incidents), strings.Join(inc, "\n")), 3000)}})
		text += fmt.Sprintf(": %d alert incidents", len(m.Incidents))
	}
	if m.Link != "" {
		blocks = append(blocks, map[string]any{"type": "actions", "elements": []any{
			map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Open the report"}, "url": m.Link},
		}})
		text += " " + m.Link
	}
	return map[string]any{"text": text, "blocks": blocks}
}

// teamsMessage is the message a Teams Workflows webhook ("Post to a channel when a webhook
// request is received") takes: one attachment holding an Adaptive Card. Adaptive Card text is
// plain unless it is Markdown, so the archive strings go in TextBlocks as they are.
func teamsMessage(m Message) map[string]any {
	body := []any{
		map[string]any{"type": "TextBlock", "text": m.Title, "size": "Large", "weight": "Bolder", "wrap": true},
	}
	var facts []any
	for _, h := range m.Headline {
		title, value, ok := strings.Cut(h, ": ")
		if !ok {
			title, value = "", h
		}
		facts = append(facts, map[string]any{"title": title, "value": value})
	}
	if len(facts) > 0 {
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	}
	if len(m.Incidents) > 0 {
		body = append(body, map[string]any{"type": "TextBlock", "text": fmt.Sprintf("Alert incidents (%d)", len(m.Incidents)),
			"weight": "Bolder", "wrap": true, "spacing": "Medium"})
		for i, s := range m.Incidents {
			if i == maxIncidents {
				body = append(body, map[string]any{"type": "TextBlock", "text": fmt.Sprintf("… and %d more in the report", len(m.Incidents)-maxIncidents), "wrap": true, "isSubtle": true})
				break
			}
			body = append(body, map[string]any{"type": "TextBlock", "text": s, "wrap": true, "spacing": "None"})
		}
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
	if m.Link != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": "Open the report", "url": m.Link}}
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// clip shortens s to n runes, as Slack refuses longer block texts.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
