"""TikTok GMV Max reports against the fake TikTok API."""
