"""peaceforce: plan, generate, deploy and monitor a multinational peacekeeping force."""
